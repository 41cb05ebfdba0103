"""The workbooks leaders read and sign: monthly, quarterly, annual (through book.py),
write.py (`report`), signoff.py (sign-off, reopen), status.py (`status`), tables, pdf."""
