"""Whole-chassis snapshot and restore over the scopes of the facade (``vessel snapshot``,
``vessel restore``): :mod:`.parts` finds the scopes, :mod:`.snapshot` captures them in the
seed's layout, :mod:`.restore` shows and restores the differences through the guard."""
