"""Use cases: they tie io and core together and own transactions."""
