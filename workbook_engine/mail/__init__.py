"""The office's mail work: forms out, returns in, reminders and refusals (SPEC §9)."""
