#!/usr/bin/env python3
"""Regenerate the media of the bundled demo course "Speed, Distance and Time".

Everything is built from the text and drawing code in this file, deterministically:

* ``media/distance-time-graph.png`` and ``media/formula-triangle.png``: the lesson images;
* ``media/speed-intro.mp4``: the narrated video (H.264 yuv420p 640x360 at 12 fps, AAC mono,
  ``+faststart``), whose slides are drawn with OpenCV and whose narration is spoken by
  ``espeak-ng`` one sentence at a time;
* ``media/speed-intro.en.vtt``: English WebVTT subtitles, one cue per narrated sentence, timed
  from the measured length of that sentence's WAV segment.

How to run (from the repository root)::

    .venv/bin/python resources/tools/make_demo_video.py            # rebuild everything
    .venv/bin/python resources/tools/make_demo_video.py --keep-temp  # also keep the slide PNGs
                                                                    # and WAVs, for inspection

Needs ``numpy`` and ``opencv-python-headless`` (the ``dev`` extras), ``webvtt-py`` (a runtime
dependency) and the ``espeak-ng``, ``ffmpeg`` (with libx264) and ``ffprobe`` programs on PATH.
Temporary slide PNGs and WAV files are written to a temporary folder that is deleted at the end
(unless ``--keep-temp``). The script checks its own output: the VTT must parse and match the
narration, and ffprobe must report the expected codecs, frame size and duration. It prints the
video's duration, to be copied into ``duration_s`` in ``course.json`` if it changes.

Change the narration by editing ``SLIDES`` below; keep each sentence short enough for a
two-line subtitle cue (the script refuses longer ones).
"""

from __future__ import annotations

import argparse
import json
import math
import shutil
import subprocess
import sys
import tempfile
import textwrap
import wave
from collections.abc import Callable
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_MEDIA = ROOT / "resources" / "demo-course" / "media"
VIDEO_NAME = "speed-intro"

# Video and narration settings.
W, H = 640, 360
FPS = 12
VOICE = "en-gb"
WORDS_PER_MINUTE = 150
LEAD_IN_S = 0.6  # silence before the first sentence
GAP_S = 0.35  # silence between sentences
TAIL_S = 1.2  # silence after the last sentence
MAX_CUE_LINE = 42  # characters per subtitle line, at most two lines per cue
MAX_VIDEO_BYTES = 3 * 1024 * 1024

# Colours (OpenCV uses BGR).
BG = (246, 243, 238)
WHITE = (255, 255, 255)
INK = (60, 42, 30)
MUTED = (120, 110, 100)
BLUE = (190, 110, 35)
ORANGE = (40, 125, 235)
GREEN = (80, 160, 60)
RED = (60, 60, 210)
GRID = (222, 218, 212)

SANS = cv2.FONT_HERSHEY_DUPLEX
PLAIN = cv2.FONT_HERSHEY_SIMPLEX
SERIF_ITALIC = cv2.FONT_HERSHEY_COMPLEX | cv2.FONT_ITALIC

# One journey, used by the lesson graph and by the video: (time in s, distance in m).
# A: walks 300 m in 200 s (1.5 m/s); B: waits 100 s; C: runs 300 m in 100 s (3 m/s).
JOURNEY = [(0, 0), (200, 300), (300, 300), (400, 600)]
SEGMENTS = [("A", "walking"), ("B", "waiting"), ("C", "running")]


# --------------------------------------------------------------------------- drawing helpers


def text(
    img: np.ndarray,
    s: str,
    org: tuple[int, int],
    scale: float = 0.8,
    color: tuple[int, int, int] = INK,
    thick: int = 1,
    font: int = SANS,
    align: str = "left",
) -> int:
    """Draw `s` with its baseline at `org` (x is the left edge, centre or right edge according
    to `align`). Returns the text's width in pixels."""
    (tw, _), _ = cv2.getTextSize(s, font, scale, thick)
    x, y = org
    if align == "center":
        x -= tw // 2
    elif align == "right":
        x -= tw
    cv2.putText(img, s, (int(x), int(y)), font, scale, color, thick, cv2.LINE_AA)
    return tw


def vertical_text(
    img: np.ndarray, s: str, center: tuple[int, int], scale: float, color=INK, thick: int = 1
) -> None:
    """Draw `s` rotated 90 degrees anticlockwise, centred on `center`."""
    (tw, th), base = cv2.getTextSize(s, SANS, scale, thick)
    pw, ph = th + base + 4, tw + 4  # the rotated text's box
    x0, y0 = center[0] - pw // 2, center[1] - ph // 2
    region = img[y0 : y0 + ph, x0 : x0 + pw]
    patch = cv2.rotate(region, cv2.ROTATE_90_CLOCKWISE).copy()
    cv2.putText(patch, s, (2, th + 2), SANS, scale, color, thick, cv2.LINE_AA)
    region[:] = cv2.rotate(patch, cv2.ROTATE_90_COUNTERCLOCKWISE)


def header(img: np.ndarray, title: str) -> None:
    cv2.rectangle(img, (0, 0), (W, 58), BLUE, -1)
    text(img, title, (28, 40), 0.95, WHITE, 2)


def footer(img: np.ndarray, n: int, total: int) -> None:
    text(img, "Slate demo course  |  Speed, Distance and Time", (28, H - 14), 0.42, MUTED)
    text(img, f"{n}/{total}", (W - 28, H - 14), 0.42, MUTED, align="right")


def car(img: np.ndarray, x: int, y: int, color=ORANGE, scale: float = 1.0) -> None:
    """A small side-view car whose wheels touch the line y, with its nose at x."""
    s = scale
    body_w, body_h = int(70 * s), int(20 * s)
    x0 = int(x - body_w)
    yb = int(y - 9 * s)
    cv2.rectangle(img, (x0, yb - body_h), (int(x), yb), color, -1, cv2.LINE_AA)
    cab = np.array(
        [
            (x0 + int(14 * s), yb - body_h),
            (x0 + int(24 * s), yb - body_h - int(15 * s)),
            (x0 + int(48 * s), yb - body_h - int(15 * s)),
            (x0 + int(58 * s), yb - body_h),
        ],
        np.int32,
    )
    cv2.fillPoly(img, [cab], color, cv2.LINE_AA)
    for wx in (x0 + int(15 * s), x0 + int(55 * s)):
        cv2.circle(img, (wx, yb), int(9 * s), INK, -1, cv2.LINE_AA)
        cv2.circle(img, (wx, yb), int(4 * s), GRID, -1, cv2.LINE_AA)


def bus(img: np.ndarray, x: int, y: int) -> None:
    """A side-view bus whose wheels touch the line y, with its nose at x."""
    x0, yb = x - 96, y - 10
    cv2.rectangle(img, (x0, yb - 42), (x, yb), GREEN, -1, cv2.LINE_AA)
    for i in range(5):
        wx = x0 + 8 + i * 17
        cv2.rectangle(img, (wx, yb - 36), (wx + 12, yb - 22), WHITE, -1)
    cv2.rectangle(img, (x - 12, yb - 36), (x - 3, yb - 12), WHITE, -1)
    for wx in (x0 + 18, x - 22):
        cv2.circle(img, (wx, yb), 10, INK, -1, cv2.LINE_AA)
        cv2.circle(img, (wx, yb), 4, GRID, -1, cv2.LINE_AA)


def smooth(p: float) -> float:
    """Ease-in-out of p in [0, 1]."""
    p = min(max(p, 0.0), 1.0)
    return p * p * (3 - 2 * p)


def fraction(
    img: np.ndarray, num: str, den: str, x: int, y: int, scale: float, color=INK, thick: int = 2
) -> int:
    """Draw num over den with a bar, centred vertically on y; returns the width used."""
    (nw, _), _ = cv2.getTextSize(num, SERIF_ITALIC, scale, thick)
    (dw, dh), _ = cv2.getTextSize(den, SERIF_ITALIC, scale, thick)
    w = max(nw, dw) + int(16 * scale)
    cx = x + w // 2
    text(img, num, (cx, y - int(10 * scale)), scale, color, thick, SERIF_ITALIC, "center")
    cv2.line(img, (x, y), (x + w, y), color, max(2, thick), cv2.LINE_AA)
    text(img, den, (cx, y + dh + int(10 * scale)), scale, color, thick, SERIF_ITALIC, "center")
    return w


def times_sign(img: np.ndarray, cx: int, cy: int, r: int, color=INK, thick: int = 2) -> None:
    cv2.line(img, (cx - r, cy - r), (cx + r, cy + r), color, thick, cv2.LINE_AA)
    cv2.line(img, (cx - r, cy + r), (cx + r, cy - r), color, thick, cv2.LINE_AA)


# --------------------------------------------------------------------------- distance-time graph


def journey_distance(t: float) -> float:
    for (t0, d0), (t1, d1) in pairwise(JOURNEY):
        if t <= t1:
            return d0 + (d1 - d0) * (t - t0) / (t1 - t0)
    return JOURNEY[-1][1]


def draw_dt_graph(
    img: np.ndarray,
    box: tuple[int, int, int, int],
    *,
    upto_s: float = 400.0,
    highlight: str | None = None,
    font_scale: float = 0.5,
    show_labels: bool = True,
) -> None:
    """Draw the journey's distance-time graph with its plot area in box = (x, y, w, h)."""
    x, y, w, h = box
    t_max, d_max = 400, 700

    def px(t: float, d: float) -> tuple[int, int]:
        return round(x + w * t / t_max), round(y + h - h * d / d_max)

    for t in range(0, t_max + 1, 50):
        cv2.line(img, px(t, 0), px(t, d_max), GRID, 1)
        text(
            img,
            str(t),
            (px(t, 0)[0], y + h + int(24 * font_scale / 0.5)),
            font_scale,
            MUTED,
            1,
            PLAIN,
            "center",
        )
    for d in range(0, d_max + 1, 100):
        cv2.line(img, px(0, d), px(t_max, d), GRID, 1)
        text(
            img,
            str(d),
            (x - 8, px(0, d)[1] + int(6 * font_scale / 0.5)),
            font_scale,
            MUTED,
            1,
            PLAIN,
            "right",
        )
    cv2.line(img, (x, y + h), (x + w + 12, y + h), INK, 2, cv2.LINE_AA)
    cv2.line(img, (x, y + h), (x, y - 12), INK, 2, cv2.LINE_AA)
    text(
        img,
        "time (s)",
        (x + w // 2, y + h + int(52 * font_scale / 0.5)),
        font_scale * 1.1,
        INK,
        1,
        SANS,
        "center",
    )
    vertical_text(
        img, "distance (m)", (x - int(62 * font_scale / 0.5), y + h // 2), font_scale * 1.1
    )

    thick = max(3, round(5 * font_scale / 0.5))
    for i, ((t0, d0), (t1, d1)) in enumerate(pairwise(JOURNEY)):
        if upto_s <= t0:
            break
        te = min(t1, upto_s)
        de = journey_distance(te)
        name = SEGMENTS[i][0]
        color = ORANGE if highlight == name else BLUE
        cv2.line(img, px(t0, d0), px(te, de), color, thick, cv2.LINE_AA)
        if show_labels and te == t1:
            mx, my = px((t0 + t1) / 2, (d0 + d1) / 2)
            off = (-22, -14) if name != "B" else (0, -18)
            cv2.circle(
                img,
                (mx + off[0], my + off[1] - 6),
                int(15 * font_scale / 0.5),
                WHITE,
                -1,
                cv2.LINE_AA,
            )
            text(img, name, (mx + off[0], my + off[1]), font_scale * 1.3, color, 2, SANS, "center")
    if upto_s < t_max:
        cv2.circle(img, px(upto_s, journey_distance(upto_s)), thick + 2, ORANGE, -1, cv2.LINE_AA)


def lesson_graph_png() -> np.ndarray:
    img = np.full((500, 800, 3), 255, np.uint8)
    text(
        img, "Distance-time graph of Amir's walk to school", (400, 40), 0.8, INK, 1, SANS, "center"
    )
    draw_dt_graph(img, (110, 80, 500, 330), font_scale=0.55)
    # Key on the right.
    kx, ky = 640, 140
    text(img, "Key", (kx, ky), 0.6, INK, 1)
    rows = [
        ("A", "walking", "300 m in 200 s"),
        ("B", "waiting", "100 s"),
        ("C", "running", "300 m in 100 s"),
    ]
    for i, (name, what, detail) in enumerate(rows):
        yy = ky + 40 + i * 62
        text(img, name, (kx, yy), 0.7, BLUE, 2)
        text(img, what, (kx + 28, yy), 0.55, INK, 1)
        text(img, detail, (kx + 28, yy + 22), 0.45, MUTED, 1, PLAIN)
    return img


def formula_triangle_png() -> np.ndarray:
    img = np.full((400, 440, 3), 255, np.uint8)
    top, left, right, base = (220, 30), (40, 330), (400, 330), 330
    mid_y = 195
    cv2.fillPoly(img, [np.array([top, left, right], np.int32)], (250, 236, 220), cv2.LINE_AA)
    cv2.polylines(img, [np.array([top, left, right], np.int32)], True, BLUE, 3, cv2.LINE_AA)
    # Width of the triangle at mid_y.
    half = (mid_y - top[1]) / (base - top[1]) * (right[0] - top[0])
    cv2.line(img, (int(220 - half), mid_y), (int(220 + half), mid_y), BLUE, 3, cv2.LINE_AA)
    cv2.line(img, (220, mid_y), (220, base), BLUE, 3, cv2.LINE_AA)
    text(img, "d", (220, 165), 2.0, INK, 3, SERIF_ITALIC, "center")
    text(img, "v", (140, 295), 2.0, INK, 3, SERIF_ITALIC, "center")
    text(img, "t", (300, 295), 2.0, INK, 3, SERIF_ITALIC, "center")
    cv2.circle(img, (220, 262), 13, WHITE, -1, cv2.LINE_AA)
    times_sign(img, 220, 262, 6, MUTED, 2)
    text(img, "Cover the quantity you want to find:", (220, 365), 0.55, INK, 1, SANS, "center")
    text(img, "the other two show how to work it out.", (220, 388), 0.55, INK, 1, SANS, "center")
    return img


# --------------------------------------------------------------------------- the video's slides
# Each slide is drawn by a function f(img, p, k): p is the progress through the slide (0..1),
# k is the index of the sentence being spoken on this slide.


def slide_title(img: np.ndarray, p: float, k: int) -> None:
    text(img, "Speed, Distance", (W // 2, 110), 1.5, INK, 2, SANS, "center")
    text(img, "and Time", (W // 2, 165), 1.5, INK, 2, SANS, "center")
    text(img, "A short introduction", (W // 2, 205), 0.7, MUTED, 1, SANS, "center")
    road_y = 290
    cv2.line(img, (0, road_y), (W, road_y), INK, 2, cv2.LINE_AA)
    for xx in range(10, W, 60):
        cv2.line(img, (xx, road_y + 14), (xx + 30, road_y + 14), GRID, 3)
    car(img, int(-20 + (W + 100) * p), road_y)


def slide_what_is_speed(img: np.ndarray, p: float, k: int) -> None:
    header(img, "What is speed?")
    text(
        img,
        "Speed = distance covered in each unit of time",
        (W // 2, 108),
        0.7,
        INK,
        1,
        SANS,
        "center",
    )
    x0, x1, y = 80, 560, 250
    cv2.line(img, (x0, y), (x1, y), INK, 2, cv2.LINE_AA)
    for m in range(0, 21, 5):
        xx = x0 + (x1 - x0) * m // 20
        cv2.line(img, (xx, y - 8), (xx, y + 8), INK, 2)
        text(img, f"{m} m", (xx, y + 30), 0.5, MUTED, 1, PLAIN, "center")
    t = round(4.0 * smooth((p - 0.15) / 0.7), 1)  # shown to 0.1 s, so that d = 5t exactly
    d = 5.0 * t
    bx = int(x0 + (x1 - x0) * d / 20)
    cv2.circle(img, (bx, y - 22), 14, ORANGE, -1, cv2.LINE_AA)  # the cyclist, as a dot
    cv2.circle(img, (bx, y - 22), 14, INK, 1, cv2.LINE_AA)
    text(img, f"t = {t:.1f} s", (150, 175), 0.75, BLUE, 2)
    text(img, f"d = {d:.1f} m", (380, 175), 0.75, BLUE, 2)
    if k >= 1:
        text(
            img,
            "20 m in 4 s  ->  5 m every second  =  5 m/s",
            (W // 2, 322),
            0.65,
            ORANGE,
            2,
            SANS,
            "center",
        )


def slide_formula(img: np.ndarray, p: float, k: int) -> None:
    header(img, "The formula")
    text(img, "speed = distance / time", (W // 2, 95), 0.7, MUTED, 1, SANS, "center")
    if k >= 1:
        text(img, "v", (200, 190), 1.8, INK, 2, SERIF_ITALIC, "center")
        text(img, "=", (260, 190), 1.6, INK, 2, SANS, "center")
        fraction(img, "d", "t", 300, 175, 1.6)
    if k >= 2:
        text(img, "d", (150, 295), 1.2, BLUE, 2, SERIF_ITALIC, "center")
        text(img, "=", (190, 295), 1.1, BLUE, 2, SANS, "center")
        text(img, "v", (230, 295), 1.2, BLUE, 2, SERIF_ITALIC, "center")
        times_sign(img, 262, 286, 7, BLUE, 2)
        text(img, "t", (292, 295), 1.2, BLUE, 2, SERIF_ITALIC, "center")
    if k >= 3:
        text(img, "t", (400, 295), 1.2, GREEN, 2, SERIF_ITALIC, "center")
        text(img, "=", (440, 295), 1.1, GREEN, 2, SANS, "center")
        fraction(img, "d", "v", 470, 284, 1.0, GREEN)


def slide_example(img: np.ndarray, p: float, k: int) -> None:
    header(img, "Worked example")
    road_y, x0, x1 = 175, 90, 560
    cv2.line(img, (40, road_y), (W - 40, road_y), INK, 2, cv2.LINE_AA)
    for km in (0, 60, 120):
        xx = x0 + (x1 - x0) * km // 120
        cv2.line(img, (xx, road_y), (xx, road_y + 10), INK, 2)
        text(img, f"{km} km", (xx, road_y + 32), 0.5, MUTED, 1, PLAIN, "center")
    hours = 2.0 * smooth(p / 0.8)
    bus(img, int(x0 + (x1 - x0) * hours / 2.0) + 48, road_y)
    text(img, f"time: {hours:.1f} h", (W - 40, 90), 0.6, BLUE, 2, SANS, "right")
    text(img, "d = 120 km     t = 2 h", (W // 2, 255), 0.75, INK, 2, SANS, "center")
    if k >= 1:
        text(img, "v = 120 / 2 = 60 km/h", (W // 2, 305), 0.95, ORANGE, 2, SANS, "center")


def slide_graph(img: np.ndarray, p: float, k: int) -> None:
    header(img, "Distance-time graphs")
    upto = 400.0 * smooth(p / 0.3) if k == 0 else 400.0
    highlight = {1: "C", 2: "B"}.get(k)
    draw_dt_graph(img, (100, 85, 310, 205), upto_s=upto, highlight=highlight, font_scale=0.42)
    notes = {
        0: ["slope of the line", "= speed"],
        1: ["C is steeper than A,", "so C is faster:", "C: 3 m/s", "A: 1.5 m/s"],
        2: ["B is flat:", "no distance covered,", "so the speed is 0"],
    }[min(k, 2)]
    for i, line in enumerate(notes):
        text(img, line, (445, 150 + i * 30), 0.55, ORANGE if i == 0 else INK, 1 + (i == 0))


def slide_units(img: np.ndarray, p: float, k: int) -> None:
    header(img, "Check your units")
    text(img, "m/s", (150, 175), 1.4, INK, 2, SANS, "center")
    text(img, "km/h", (490, 175), 1.4, INK, 2, SANS, "center")
    text(img, "metres per second", (150, 210), 0.5, MUTED, 1, PLAIN, "center")
    text(img, "kilometres per hour", (490, 210), 0.5, MUTED, 1, PLAIN, "center")
    if k >= 2:
        cv2.arrowedLine(img, (235, 130), (405, 130), ORANGE, 3, cv2.LINE_AA, tipLength=0.08)
        text(img, "x 3.6", (320, 118), 0.75, ORANGE, 2, SANS, "center")
    if k >= 3:
        cv2.arrowedLine(img, (405, 250), (235, 250), GREEN, 3, cv2.LINE_AA, tipLength=0.08)
        text(img, "/ 3.6", (320, 282), 0.75, GREEN, 2, SANS, "center")
    if k >= 2:
        text(img, "1 m/s = 3600 m per hour = 3.6 km/h", (W // 2, 325), 0.6, INK, 1, SANS, "center")


def slide_summary(img: np.ndarray, p: float, k: int) -> None:
    header(img, "Summary")
    rows = [
        ("speed = distance / time", "v = d / t"),
        ("distance = speed x time", "d = v x t"),
        ("time = distance / speed", "t = d / v"),
        ("steeper distance-time line", "= faster"),
        ("m/s  x 3.6", "= km/h"),
    ]
    for i, (words, short) in enumerate(rows):
        yy = 110 + i * 44
        cv2.circle(img, (60, yy - 8), 6, ORANGE, -1, cv2.LINE_AA)
        text(img, words, (80, yy), 0.68, INK, 1)
        text(img, short, (420, yy), 0.68, BLUE, 2)


@dataclass(frozen=True)
class Sentence:
    caption: str  # what the subtitle shows
    spoken: str | None = None  # what espeak-ng says, when it must differ from the caption

    @property
    def say(self) -> str:
        return self.spoken or self.caption


@dataclass(frozen=True)
class Slide:
    draw: Callable[[np.ndarray, float, int], None]
    sentences: tuple[Sentence, ...]


SLIDES: tuple[Slide, ...] = (
    Slide(slide_title, (Sentence("Welcome to this short video about speed, distance and time."),)),
    Slide(
        slide_what_is_speed,
        (
            Sentence("Speed tells us how much distance an object covers in each unit of time."),
            Sentence(
                "A cyclist who rides 20 metres every 4 seconds is moving at 5 metres per second."
            ),
        ),
    ),
    Slide(
        slide_formula,
        (
            Sentence("To find a speed, divide the distance travelled by the time taken."),
            Sentence("We write this as v equals d divided by t."),
            Sentence("Rearranged, distance equals speed times time."),
            Sentence("And time equals distance divided by speed."),
        ),
    ),
    Slide(
        slide_example,
        (
            Sentence("Here is an example: a bus travels 120 kilometres in 2 hours."),
            Sentence("Its average speed is 120 divided by 2, which is 60 kilometres per hour."),
        ),
    ),
    Slide(
        slide_graph,
        (
            Sentence("On a distance-time graph, the slope of the line shows the speed."),
            Sentence("A steeper line means a greater speed."),
            Sentence("A flat line means that the object has stopped."),
        ),
    ),
    Slide(
        slide_units,
        (
            Sentence("Always check your units."),
            Sentence("The most common are metres per second and kilometres per hour."),
            Sentence("To change metres per second into kilometres per hour, multiply by 3.6."),
            Sentence("To go back the other way, divide by 3.6."),
        ),
    ),
    Slide(slide_summary, (Sentence("Now read the lessons and try the quiz. Good luck!"),)),
)


# --------------------------------------------------------------------------- narration


def wrap_cue(caption: str) -> list[str]:
    """Split a caption into one line, or two lines of similar length."""
    if len(caption) <= MAX_CUE_LINE:
        return [caption]
    for width in range((len(caption) + 1) // 2, MAX_CUE_LINE + 1):
        lines = textwrap.wrap(caption, width)
        if len(lines) <= 2:
            return lines
    raise SystemExit(f"sentence too long for a two-line cue: {caption!r}")


def synthesize(tmp: Path) -> tuple[Path, list[tuple[float, float]], float]:
    """Speak every sentence to its own WAV, join them with silences into one WAV.

    Returns the joined WAV, each sentence's (start, end) in seconds and the total length."""
    rate = None
    chunks: list[bytes] = []
    spans: list[tuple[float, float]] = []
    pos = 0  # in samples
    n = 0
    for slide in SLIDES:
        for sentence in slide.sentences:
            wrap_cue(sentence.caption)
            wav_path = tmp / f"sentence-{n:02d}.wav"
            subprocess.run(
                [
                    "espeak-ng",
                    "-v",
                    VOICE,
                    "-s",
                    str(WORDS_PER_MINUTE),
                    "-w",
                    str(wav_path),
                    sentence.say,
                ],
                check=True,
            )
            with wave.open(str(wav_path), "rb") as w:
                if w.getnchannels() != 1 or w.getsampwidth() != 2:
                    raise SystemExit("espeak-ng is expected to write 16-bit mono WAV")
                if rate is None:
                    rate = w.getframerate()
                    lead = round(LEAD_IN_S * rate)
                    chunks.append(b"\0\0" * lead)
                    pos = lead
                elif w.getframerate() != rate:
                    raise SystemExit("espeak-ng changed its sample rate between sentences")
                frames = w.readframes(w.getnframes())
                count = w.getnframes()
            if n:
                gap = round(GAP_S * rate)
                chunks.append(b"\0\0" * gap)
                pos += gap
            spans.append((pos / rate, (pos + count) / rate))
            chunks.append(frames)
            pos += count
            n += 1
    assert rate is not None
    tail = round(TAIL_S * rate)
    chunks.append(b"\0\0" * tail)
    pos += tail
    out = tmp / "narration.wav"
    with wave.open(str(out), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(b"".join(chunks))
    return out, spans, pos / rate


def vtt_time(t: float) -> str:
    ms = round(t * 1000)
    h, ms = divmod(ms, 3_600_000)
    m, ms = divmod(ms, 60_000)
    s, ms = divmod(ms, 1000)
    return f"{h:02d}:{m:02d}:{s:02d}.{ms:03d}"


def write_vtt(path: Path, spans: list[tuple[float, float]]) -> None:
    captions = [s.caption for slide in SLIDES for s in slide.sentences]
    parts = ["WEBVTT", ""]
    for i, (caption, (start, end)) in enumerate(zip(captions, spans, strict=True), 1):
        parts += [str(i), f"{vtt_time(start)} --> {vtt_time(end)}", *wrap_cue(caption), ""]
    path.write_text("\n".join(parts), encoding="utf-8", newline="\n")


# --------------------------------------------------------------------------- video


def slide_starts(spans: list[tuple[float, float]]) -> list[float]:
    """When each slide appears: the first slide at 0, the others when their first sentence
    starts."""
    starts, i = [], 0
    for n, slide in enumerate(SLIDES):
        starts.append(0.0 if n == 0 else spans[i][0])
        i += len(slide.sentences)
    return starts


def render_frame(
    t: float, spans: list[tuple[float, float]], starts: list[float], total: float
) -> tuple[np.ndarray, int]:
    n = max(i for i, s in enumerate(starts) if s <= t)
    end = starts[n + 1] if n + 1 < len(starts) else total
    first = sum(len(s.sentences) for s in SLIDES[:n])
    k = 0
    for j in range(len(SLIDES[n].sentences)):
        if spans[first + j][0] <= t:
            k = j
    img = np.full((H, W, 3), BG, np.uint8)
    SLIDES[n].draw(img, (t - starts[n]) / (end - starts[n]), k)
    footer(img, n + 1, len(SLIDES))
    return img, n


def encode_video(
    out: Path, wav: Path, spans: list[tuple[float, float]], total: float, tmp: Path
) -> None:
    starts = slide_starts(spans)
    n_frames = math.ceil(total * FPS)
    cmd = [
        "ffmpeg",
        "-hide_banner",
        "-loglevel",
        "error",
        "-y",
        "-f",
        "rawvideo",
        "-pix_fmt",
        "bgr24",
        "-s",
        f"{W}x{H}",
        "-r",
        str(FPS),
        "-i",
        "-",
        "-i",
        str(wav),
        "-map",
        "0:v:0",
        "-map",
        "1:a:0",
        "-c:v",
        "libx264",
        "-preset",
        "slow",
        "-tune",
        "stillimage",
        "-crf",
        "28",
        "-pix_fmt",
        "yuv420p",
        "-profile:v",
        "main",
        "-g",
        str(FPS * 4),
        "-threads",
        "1",
        "-c:a",
        "aac",
        "-b:a",
        "64k",
        "-ar",
        "44100",
        "-ac",
        "1",
        "-map_metadata",
        "-1",
        "-fflags",
        "+bitexact",
        "-flags:v",
        "+bitexact",
        "-flags:a",
        "+bitexact",
        "-movflags",
        "+faststart",
        str(out),
    ]
    proc = subprocess.Popen(cmd, stdin=subprocess.PIPE)
    assert proc.stdin is not None
    last_of_slide: dict[int, np.ndarray] = {}
    for f in range(n_frames):
        img, n = render_frame(f / FPS, spans, starts, total)
        last_of_slide[n] = img
        proc.stdin.write(img.tobytes())
    proc.stdin.close()
    if proc.wait() != 0:
        raise SystemExit("ffmpeg failed")
    # Keep a still of each slide (as it looks at its end) beside the WAVs, for inspection.
    for n, img in sorted(last_of_slide.items()):
        cv2.imwrite(str(tmp / f"slide-{n + 1:02d}.png"), img)


# --------------------------------------------------------------------------- checks


def check_video(path: Path, expected_s: float) -> dict:
    probe = subprocess.run(
        [
            "ffprobe",
            "-v",
            "error",
            "-show_entries",
            "format=duration,size:stream=codec_type,codec_name,pix_fmt,width,height,r_frame_rate,"
            "sample_rate,channels",
            "-of",
            "json",
            str(path),
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    info = json.loads(probe.stdout)
    streams = {s["codec_type"]: s for s in info["streams"]}
    v, a = streams["video"], streams["audio"]
    problems = []
    if v["codec_name"] != "h264" or v["pix_fmt"] != "yuv420p":
        problems.append(f"video is {v['codec_name']}/{v['pix_fmt']}, not h264/yuv420p")
    if (v["width"], v["height"]) != (W, H):
        problems.append(f"video is {v['width']}x{v['height']}")
    if a["codec_name"] != "aac":
        problems.append(f"audio is {a['codec_name']}, not aac")
    duration = float(info["format"]["duration"])
    if abs(duration - expected_s) > 0.25:
        problems.append(f"duration {duration:.3f}s, expected {expected_s:.3f}s")
    if not 30 <= duration <= 90:
        problems.append(f"duration {duration:.1f}s is outside 30-90 s")
    if path.stat().st_size > MAX_VIDEO_BYTES:
        problems.append(f"video is {path.stat().st_size} bytes, over {MAX_VIDEO_BYTES}")
    with path.open("rb") as fh:
        head = fh.read(64)
    if head[4:8] != b"ftyp" or b"moov" not in path.read_bytes()[:4096]:
        problems.append("moov atom is not at the start (faststart)")
    if problems:
        raise SystemExit("video check failed: " + "; ".join(problems))
    return info


def check_vtt(path: Path, spans: list[tuple[float, float]]) -> int:
    import webvtt

    def seconds(stamp: str) -> float:  # "hh:mm:ss.mmm"; webvtt's *_in_seconds are whole
        h, m, s = stamp.split(":")
        return int(h) * 3600 + int(m) * 60 + float(s)

    cues = webvtt.read(str(path)).captions
    captions = [s.caption for slide in SLIDES for s in slide.sentences]
    if len(cues) != len(captions):
        raise SystemExit(f"VTT has {len(cues)} cues, expected {len(captions)}")
    for cue, caption, (start, end) in zip(cues, captions, spans, strict=True):
        if " ".join(cue.text.split()) != caption:
            raise SystemExit(f"VTT cue text {cue.text!r} is not {caption!r}")
        if abs(seconds(cue.start) - start) > 0.001 or abs(seconds(cue.end) - end) > 0.001:
            raise SystemExit(f"VTT cue {caption!r} is mistimed")
    return len(cues)


# --------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--media",
        type=Path,
        default=DEFAULT_MEDIA,
        help=f"output folder (default: {DEFAULT_MEDIA.relative_to(ROOT)})",
    )
    parser.add_argument(
        "--keep-temp",
        action="store_true",
        help="keep the temporary slide PNGs and WAVs and print where they are",
    )
    args = parser.parse_args(argv)
    for tool in ("espeak-ng", "ffmpeg", "ffprobe"):
        if shutil.which(tool) is None:
            raise SystemExit(f"{tool} is not on PATH")
    media: Path = args.media
    media.mkdir(parents=True, exist_ok=True)

    png_params = [cv2.IMWRITE_PNG_COMPRESSION, 9]
    cv2.imwrite(str(media / "distance-time-graph.png"), lesson_graph_png(), png_params)
    cv2.imwrite(str(media / "formula-triangle.png"), formula_triangle_png(), png_params)

    tmp = Path(tempfile.mkdtemp(prefix="slate-demo-video-"))
    try:
        wav, spans, total = synthesize(tmp)
        mp4 = media / f"{VIDEO_NAME}.mp4"
        vtt = media / f"{VIDEO_NAME}.en.vtt"
        encode_video(mp4, wav, spans, total, tmp)
        write_vtt(vtt, spans)
        info = check_video(mp4, total)
        cues = check_vtt(vtt, spans)
    finally:
        if args.keep_temp:
            print(f"temporary files kept in {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)

    streams = {s["codec_type"]: s for s in info["streams"]}
    print(
        f"{mp4.relative_to(ROOT) if mp4.is_relative_to(ROOT) else mp4}: "
        f"{float(info['format']['duration']):.3f} s, {mp4.stat().st_size} bytes, "
        f"video {streams['video']['codec_name']} {streams['video']['pix_fmt']} "
        f"{streams['video']['width']}x{streams['video']['height']}, "
        f"audio {streams['audio']['codec_name']} {streams['audio']['sample_rate']} Hz"
    )
    print(
        f"{vtt.name}: {cues} cues; narration {total:.3f} s (course.json duration_s: {round(total)})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
