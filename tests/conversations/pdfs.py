"""PDFs made on the spot for upload tests."""
import io

from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas


def pdf_with_lines(*pages: list[str]) -> bytes:
    """A real PDF, one page per list of lines."""
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4)
    for lines in pages:
        y = 800
        for line in lines:
            pdf.drawString(50, y, line)
            y -= 18
        pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def pdf_without_text() -> bytes:
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4)
    pdf.rect(50, 50, 200, 200, fill=1)
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()
