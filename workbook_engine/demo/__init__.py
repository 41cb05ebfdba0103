"""The simulated bureau year behind `workbook-engine demo`."""
