"""Local accounts: sign-in secrets, the permission policy, classes (issue 6)."""
