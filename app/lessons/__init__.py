"""Markdown lessons to safe HTML for a rich-text view (see `render` for the details)."""

from app.lessons.links import (
    FOLD_SCHEME,
    LessonLink,
    fold_href,
    fold_id_of,
    is_remote,
    local_references,
    resolve_lesson_link,
)
from app.lessons.math import MathImages, tex_to_html
from app.lessons.render import (
    Fold,
    ImageResolver,
    RenderedLesson,
    render_lesson,
    render_lesson_html,
)

__all__ = [
    "FOLD_SCHEME",
    "Fold",
    "ImageResolver",
    "LessonLink",
    "MathImages",
    "RenderedLesson",
    "fold_href",
    "fold_id_of",
    "is_remote",
    "local_references",
    "render_lesson",
    "render_lesson_html",
    "resolve_lesson_link",
    "tex_to_html",
]
