"""Rules Django's schema editor cannot declare: the diacritics-folding search
function (see ``programs.search``) and the composite foreign key that keeps an
enrollment's group at the enrollment's site."""

from django.db import migrations

# A copy of programs.search.FOLD_FUNCTION_SQL as it was when this migration was
# written; a later change to the function gets a migration of its own.
FOLD_FUNCTION_SQL = """
CREATE OR REPLACE FUNCTION inocenti_fold(value text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$ SELECT lower(translate(value, 'ăâîșşțţáàäãåçćčďđéèêëěęğíìïıłńňñóòôöõőřśšťúùûüůűýÿźżžĂÂÎȘŞȚŢÁÀÄÃÅÇĆČĎĐÉÈÊËĚĘĞÍÌÏİŁŃŇÑÓÒÔÖÕŐŘŚŠŤÚÙÛÜŮŰÝŸŹŻŽ', 'aaissttaaaaacccddeeeeeegiiiilnnnoooooorsstuuuuuuyyzzzAAISSTTAAAAACCCDDEEEEEEGIIIILNNNOOOOOORSSTUUUUUUYYZZZ')) $$;
"""
DROP_FOLD_FUNCTION_SQL = "DROP FUNCTION IF EXISTS inocenti_fold(text);"
GROUP_AT_ENROLLMENT_SITE = """
ALTER TABLE programs_enrollment
    ADD CONSTRAINT enrollment_group_at_enrollment_site
    FOREIGN KEY (group_id, site_id) REFERENCES programs_group (id, site_id);
"""


class Migration(migrations.Migration):
    dependencies = [("programs", "0002_programs_funders_groups_enrollments")]

    operations = [
        migrations.RunSQL(FOLD_FUNCTION_SQL, DROP_FOLD_FUNCTION_SQL),
        migrations.RunSQL(
            GROUP_AT_ENROLLMENT_SITE,
            "ALTER TABLE programs_enrollment DROP CONSTRAINT enrollment_group_at_enrollment_site;",
        ),
    ]
