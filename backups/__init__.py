"""Online backups (``manage.py backup``) and verified restores (``manage.py restore``).

The format and the procedure are described in docs/backup.md.
"""
