# The LDAP configuration is a singleton: the import ID is always "hmm".
terraform import vessel_ldap_domain.this hmm
