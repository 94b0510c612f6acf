"""Names, places and phrases for the demo data (``inocenti.demo``).

Every person made from these lists is fictitious. The given names and family
names are common among Romanian and Roma families in the programs' regions (a
few Hungarian family names in Cluj and Bistrița-Năsăud); streets are ordinary
street names of the localities, with made-up numbers.

Weighted lists are tuples of ``(value, weight)``: tuples, not dicts, so the
order the generator draws from is written down here and never depends on a
mapping's construction.
"""

from __future__ import annotations

# Children ------------------------------------------------------------------

BOYS: tuple[str, ...] = (
    "Andrei",
    "Ionuț",
    "Florin",
    "Marian",
    "Cosmin",
    "Denis",
    "Fernando",
    "Mario",
    "Romario",
    "Leonard",
    "Alexandru",
    "Gabriel",
    "Ștefan",
    "Daniel",
    "David",
    "Darius",
    "Robert",
    "Cristian",
    "Adrian",
    "Bogdan",
    "Nicolae",
    "Costel",
    "Valentin",
    "Marius",
    "Sorin",
    "Petrișor",
    "Georgian",
    "Mihai",
    "Claudiu",
    "Alin",
    "Laurențiu",
    "Răzvan",
    "Sebastian",
    "Rafael",
    "Samuel",
    "Iosif",
    "Emanuel",
    "Beniamin",
    "Eduard",
    "Raul",
    "Fabian",
    "Casian",
    "Luca",
    "Rareș",
    "Iulian",
    "Dănuț",
    "Viorel",
    "Ionel",
    "Remus",
    "Ciprian",
)

GIRLS: tuple[str, ...] = (
    "Rebeca",
    "Denisa",
    "Bianca",
    "Larisa",
    "Mădălina",
    "Florentina",
    "Narcisa",
    "Estera",
    "Ștefania",
    "Ionela",
    "Alexandra",
    "Andreea",
    "Maria",
    "Ana-Maria",
    "Elena",
    "Gabriela",
    "Roxana",
    "Alina",
    "Cristina",
    "Georgiana",
    "Loredana",
    "Nicoleta",
    "Daniela",
    "Mirela",
    "Ramona",
    "Sabina",
    "Sara",
    "Miriam",
    "Carmen",
    "Paula",
    "Iasmina",
    "Casandra",
    "Beatrice",
    "Lavinia",
    "Anisia",
    "Claudia",
    "Raluca",
    "Teodora",
    "Ioana",
    "Luminița",
    "Izabela",
    "Antonia",
    "Cosmina",
    "Adelina",
    "Petronela",
    "Violeta",
    "Fabiola",
    "Samira",
    "Ariana",
    "Dalia",
)

# Adults --------------------------------------------------------------------

WOMEN: tuple[str, ...] = (
    "Maria",
    "Elena",
    "Florica",
    "Ana",
    "Ioana",
    "Mariana",
    "Viorica",
    "Lenuța",
    "Aurelia",
    "Rodica",
    "Gheorghița",
    "Marioara",
    "Luminița",
    "Nicoleta",
    "Carmen",
    "Daniela",
    "Mirela",
    "Gabriela",
    "Simona",
    "Monica",
    "Florentina",
    "Violeta",
    "Rozalia",
    "Veronica",
    "Angela",
    "Dorina",
    "Cornelia",
    "Lăcrămioara",
    "Steluța",
    "Ileana",
)

MEN: tuple[str, ...] = (
    "Ion",
    "Gheorghe",
    "Vasile",
    "Costel",
    "Marin",
    "Nicu",
    "Florin",
    "Dorel",
    "Ionel",
    "Marian",
    "Cătălin",
    "Viorel",
    "Petre",
    "Nelu",
    "Aurel",
    "Dumitru",
    "Constantin",
    "Mircea",
    "Sandu",
    "Lucian",
    "Iosif",
    "Ștefan",
    "Traian",
    "Grigore",
    "Ilie",
    "Dănuț",
    "Fănel",
    "Sorin",
    "Costică",
    "Tiberiu",
)

GRANDMOTHERS: tuple[str, ...] = (
    "Maria",
    "Florica",
    "Ana",
    "Elena",
    "Floarea",
    "Paraschiva",
    "Aurica",
    "Veronica",
    "Saveta",
    "Lucreția",
    "Tinca",
    "Rozalia",
)

GRANDFATHERS: tuple[str, ...] = (
    "Gheorghe",
    "Ion",
    "Vasile",
    "Dumitru",
    "Nicolae",
    "Petru",
    "Ilie",
    "Grigore",
)

# Family names by region ----------------------------------------------------

FAMILY_NAMES_BUCHAREST_ILFOV: tuple[tuple[str, int], ...] = (
    ("Lăcătuș", 4),
    ("Căldăraru", 4),
    ("Rostaș", 3),
    ("Zlătaru", 3),
    ("Ursaru", 3),
    ("Spoitoru", 2),
    ("Argintaru", 2),
    ("Fieraru", 2),
    ("Stoica", 3),
    ("Dumitru", 3),
    ("Constantin", 3),
    ("Florea", 3),
    ("Radu", 3),
    ("Șerban", 2),
    ("Voicu", 2),
    ("Stan", 2),
    ("Ion", 2),
    ("Marin", 2),
    ("Tudor", 2),
    ("Neagu", 2),
    ("Dinu", 2),
    ("Badea", 2),
    ("Tănase", 2),
    ("Preda", 1),
    ("Mitrea", 1),
    ("Ghiță", 1),
    ("Niculae", 1),
    ("Costache", 1),
)

FAMILY_NAMES_BISTRITA: tuple[tuple[str, int], ...] = (
    ("Lingurar", 4),
    ("Ciurar", 3),
    ("Covaci", 3),
    ("Boroș", 3),
    ("Mățărău", 3),
    ("Lăcătuș", 2),
    ("Rostaș", 2),
    ("Fieraru", 2),
    ("Spoitoru", 1),
    ("Moldovan", 3),
    ("Pop", 3),
    ("Rus", 3),
    ("Moga", 2),
    ("Sabou", 2),
    ("Mureșan", 2),
    ("Bota", 2),
    ("Câmpean", 2),
    ("Sângeorzan", 1),
    ("Pașca", 1),
    ("Ilieș", 1),
    ("Florea", 1),
    ("Stoica", 1),
    ("Lakatos", 1),
    ("Bódi", 1),
    ("Kovács", 1),
)

FAMILY_NAMES_CLUJ: tuple[tuple[str, int], ...] = (
    ("Lingurar", 3),
    ("Covaci", 3),
    ("Boroș", 2),
    ("Mățărău", 2),
    ("Ciurar", 2),
    ("Fieraru", 1),
    ("Rostaș", 1),
    ("Moldovan", 3),
    ("Pop", 3),
    ("Rus", 2),
    ("Moga", 2),
    ("Sabou", 2),
    ("Mureșan", 2),
    ("Pușcaș", 1),
    ("Dumitru", 1),
    ("Lakatos", 2),
    ("Bódi", 1),
    ("Kovács", 1),
)

# Places --------------------------------------------------------------------

# Streets of Sector 2 and of the villages; house numbers are made up.
STREETS_BUCHAREST_SECTOR_2: tuple[str, ...] = (
    "Str. Ziduri Moși",
    "Șos. Colentina",
    "Str. Vatra Luminoasă",
    "Str. Gărdinița",
    "Str. Petricani",
    "Str. Doamna Ghica",
    "Str. Heliade între Vii",
    "Șos. Pantelimon",
    "Str. Teiul Doamnei",
    "Str. Fabrica de Glucoză",
    "Str. Maica Domnului",
    "Str. Lizeanu",
)

STREETS_BISTRITA: tuple[str, ...] = (
    "Str. Valea Jelnei",
    "Str. Podirei",
    "Str. Ghinzii",
    "Str. Tărpiului",
    "Str. Năsăudului",
    "Str. Gării",
    "Str. Codrișor",
    "Str. Cuza Vodă",
    "Str. Ioan Slavici",
    "Str. Zorilor",
)

STREETS_VILLAGE: tuple[str, ...] = (
    "Str. Principală",
    "Str. Morii",
    "Str. Bisericii",
    "Str. Școlii",
    "Str. Livezii",
    "Str. Pârâului",
    "Str. Câmpului",
    "Str. Florilor",
    "Str. Viilor",
    "Str. Gării",
)

# Schools the day center's children attend (the center is not a school).
SCHOOLS_BISTRITA: tuple[str, ...] = (
    "Școala Gimnazială nr. 1 Bistrița",
    "Școala Gimnazială nr. 4 Bistrița",
    "Școala Gimnazială „Ștefan cel Mare” Bistrița",
    "Școala Gimnazială „Avram Iancu” Bistrița",
    "Școala Gimnazială Unirea",
)

# Where pupils of the Baccalaureate groups go to high school.
HIGH_SCHOOLS_BUCHAREST: tuple[str, ...] = (
    "Liceul Tehnologic „Dacia” București",
    "Colegiul Tehnic „Dimitrie Leonida” București",
    "Liceul Teoretic „Ștefan Odobleja” București",
)
HIGH_SCHOOLS_BISTRITA: tuple[str, ...] = (
    "Colegiul Național „Andrei Mureșanu” Bistrița",
    "Colegiul Tehnic „Infoel” Bistrița",
    "Liceul Tehnologic „Grigore Moisil” Bistrița",
)
HIGH_SCHOOLS_CLUJ: tuple[str, ...] = ("Liceul Tehnologic Gherla",)

# Countries where the parents of the programs' children go to work.
COUNTRIES_ABROAD: tuple[tuple[str, int], ...] = (
    ("Spania", 4),
    ("Italia", 4),
    ("Germania", 3),
    ("Franța", 1),
    ("Regatul Unit", 1),
    ("Austria", 1),
    ("Belgia", 1),
)

# Exit reasons (fictitious) -------------------------------------------------

REASONS_FINISHED_GRADE_8: tuple[str, ...] = (
    "A absolvit clasa a VIII-a și a fost admis la liceu.",
    "A absolvit clasa a VIII-a; continuă la școala profesională.",
    "A absolvit clasa a VIII-a.",
)
REASONS_FINISHED_PROGRAM: tuple[str, ...] = (
    "A încheiat programul: rezultate școlare bune, nu mai are nevoie de sprijin.",
    "A încheiat programul; familia s-a stabilizat și copilul merge constant la școală.",
)
REASON_BACCALAUREATE = "A susținut examenul de Bacalaureat."
REASONS_WITHDRAWN: tuple[str, ...] = (
    "Familia a retras copilul din program.",
    "Părinții nu mai doresc participarea la activități.",
    "Orarul școlii s-a schimbat și nu mai poate veni la activități.",
    "Familia s-a mutat în alt cartier și nu mai poate veni.",
)
REASONS_TRANSFERRED: tuple[str, ...] = (
    "Familia a plecat la muncă în Spania.",
    "Familia a plecat la muncă în Italia.",
    "S-a mutat la bunici în alt județ.",
    "Transferat la o școală din alt oraș.",
    "Familia s-a mutat la rude, în alt județ.",
)
REASONS_DROPPED_OUT_GIRL: tuple[str, ...] = (
    "Căsătorie timpurie.",
    "Are grijă de frații mai mici; nu mai vine la școală.",
    "Absențe repetate; familia nu mai trimite copilul la școală.",
)
REASONS_DROPPED_OUT_BOY: tuple[str, ...] = (
    "A abandonat școala pentru a munci cu familia.",
    "Absențe repetate; familia nu mai trimite copilul la școală.",
    "Pleacă cu familia la muncă sezonieră; a abandonat școala.",
)
