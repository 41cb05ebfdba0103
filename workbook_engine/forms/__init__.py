"""The forms that go out: layout.py (names and headers, read by ingest, policy and reports
too), weekly.py and monthly.py (one form), prepared.py and outbox.py (a run of forms)."""
