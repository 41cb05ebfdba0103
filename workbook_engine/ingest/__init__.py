"""Reading what comes back: sniff → read → checks (weekly_rules, monthly_rules) → validate →
classify, in reader processes (workers, isolate); inbox.py runs it and files every outcome;
returns.py writes the 退回清单."""
