"""Slate's Qt front end: widgets that present app/ data and delegate every rule to app/."""
