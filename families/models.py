# Models arrive with the domain-model issue; this app stands on programs/.
