"""Reading the archive: files → validated model + diagnostics."""
