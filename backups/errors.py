class BackupError(Exception):
    """A backup or restore cannot go on; the message is one readable line for the operator."""
