"""The report stage's parts: MLflow runs, leaderboard, error analysis, figures and the page."""
