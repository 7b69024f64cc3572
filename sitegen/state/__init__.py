"""The build record (record.py) and the archive it stores (stored.py)."""
