// Tests of core/sync/accounts.
