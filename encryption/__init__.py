"""AES-256-GCM field encryption for clinical data (see docs/encryption.md)."""
