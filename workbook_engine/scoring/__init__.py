"""The scheme's rules as pure functions (monthly, points, leave, quarterly, annual, ranking);
compute.py gathers a period's inputs (Workspace.inputs and the store) and runs them."""
