"""Keys derived from the master key, and what they encrypt or pseudonymise."""
