"""A class report a teacher can print or keep as a PDF: Qt's own text layout and printing
(QTextDocument onto QPdfWriter or QPrinter), no browser engine.

The PDF is rendered into memory and written with `write_atomically`, so a failed or cancelled
save never leaves half a report under the chosen name.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from html import escape
from pathlib import Path

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QMarginsF, QSizeF
from PySide6.QtGui import QPageLayout, QPageSize, QPdfWriter, QTextDocument
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import QWidget

from app.analytics.dashboard import ClassOverview
from app.analytics.files import write_atomically
from app.analytics.insights import Insight
from app.analytics.items import ItemAnalysis
from ui.gradebook.model import cell_text, percent

PDF_DPI = 300
MARGINS_MM = QMarginsF(15, 15, 15, 15)


@dataclass(frozen=True)
class ClassReport:
    overview: ClassOverview
    insights: list[Insight]
    analyses: list[ItemAnalysis] = field(default_factory=list)
    made_at: datetime = field(default_factory=lambda: datetime.now(UTC))


def report_html(report: ClassReport) -> str:
    book = report.overview.gradebook
    parts = [
        f"<h1>{escape(book.course_title)}</h1>",
        f"<p>Class report, {report.made_at:%Y-%m-%d %H:%M} UTC: {len(book.students)} students, "
        f"{len(book.assessments)} quizzes.</p>",
        "<h2>Grades</h2>",
        '<table border="1" cellspacing="0" cellpadding="3"><tr><th>Student</th><th>Average</th>',
        *(f"<th>{escape(a.title)}</th>" for a in book.assessments),
        "</tr>",
    ]
    for student in book.students:
        parts.append(f"<tr><td>{escape(student.display_name)}</td>")
        parts.append(f"<td>{percent(book.student_average(student.user_id)) or '—'}</td>")
        for a in book.assessments:
            cell = book.cell(student.user_id, a.item_id)
            parts.append(f"<td>{escape(cell_text(cell))} ({cell.status.value})</td>")
        parts.append("</tr>")
    parts.append("</table>")
    parts.append("<h2>Insights</h2><ul>")
    parts += [f"<li>{escape(i.text)}</li>" for i in report.insights] or [
        "<li>Nothing stands out at the moment.</li>"
    ]
    parts.append("</ul><h2>Score distributions</h2><ul>")
    for d in report.overview.distributions:
        bins = ", ".join(f"{i * 10}–{i * 10 + 9}%: {n}" for i, n in enumerate(d.counts) if n)
        parts.append(f"<li>{escape(d.title)} (pass mark {percent(d.passing_score)}): ")
        parts.append(f"{bins or 'no scores yet'}</li>")
    parts.append("</ul>")
    for analysis in report.analyses:
        flagged = [s for s in analysis.items if s.flags]
        if not flagged:
            continue
        parts.append(f"<h2>Questions to look at: {escape(analysis.title)}</h2><ul>")
        parts += [
            f"<li>{escape(s.question_id)}: {escape('; '.join(s.flags))}</li>" for s in flagged
        ]
        parts.append("</ul>")
    return "".join(parts)


def _document(report: ClassReport) -> QTextDocument:
    document = QTextDocument()
    document.setHtml(report_html(report))
    return document


def report_pdf(report: ClassReport) -> bytes:
    """The report as PDF bytes, A4."""
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    writer = QPdfWriter(buffer)
    writer.setResolution(PDF_DPI)
    writer.setTitle(f"{report.overview.gradebook.course_title}: class report")
    writer.setCreator("Slate")
    writer.setPageLayout(
        QPageLayout(
            QPageSize(QPageSize.PageSizeId.A4),
            QPageLayout.Orientation.Portrait,
            MARGINS_MM,
            QPageLayout.Unit.Millimeter,
        )
    )
    document = _document(report)
    # Lay the text out on the printable area in points, so font sizes print as on screen.
    rect = writer.pageLayout().paintRect(QPageLayout.Unit.Point)
    document.setPageSize(QSizeF(rect.width(), rect.height()))
    document.print_(writer)
    del writer  # finishes the PDF into the buffer
    buffer.close()
    return bytes(data.data())


def save_report_pdf(report: ClassReport, path: Path) -> Path:
    write_atomically(path, report_pdf(report))
    return path


def print_report(report: ClassReport, parent: QWidget | None = None) -> bool:
    """Ask for a printer and print; False when the teacher cancels."""
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    dialog = QPrintDialog(printer, parent)
    if dialog.exec() != QPrintDialog.DialogCode.Accepted:
        return False
    _document(report).print_(printer)
    return True
