"""Actors: whoever uses the product in a lane (the OpenAI computer-use loop, or a scripted browser)."""
