"""The vessel provider: configuration (:mod:`.provider`) and resources (:mod:`.resources`)."""
