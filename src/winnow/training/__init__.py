"""Training code: builds the text model from ../shared/data. Imports heavy libraries lazily."""
