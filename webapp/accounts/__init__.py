"""Accounts: sign-in, sessions, passwords, second factor, roles of the three administrators, the audit log."""
