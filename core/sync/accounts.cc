// Provider accounts (see include/trunkline/sync/accounts.h).
