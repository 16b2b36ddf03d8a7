"""The campaign's pages, by concern: the campaign page (targets, progress, people), the work
board and a case's page, field work on the phone, trainings, and the analysis (专题研判)."""
