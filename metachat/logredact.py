"""A logging filter that blanks known secret shapes in every record the handlers write.

Secrets are never passed to a logger on purpose, but libraries log what they send: with
`LOG_LEVEL=DEBUG` urllib3 prints each request line, and Pipedrive's client puts its
`api_token` in the query string. Installed on the root handlers (metachat/settings.py), so
it sees records of every logger, ours and the libraries'.
"""
import logging
import re

MASK = "[REDACTED]"

PATTERNS = (
    # key=value in query strings and form bodies
    (re.compile(r"(?i)\b((?:api_|access_|refresh_|id_)?token|client_secret|secret|password"
                r"|api_key|apikey|signature)=([^&\s\"']+)"), rf"\1={MASK}"),
    # "key": "value" in JSON and Python reprs
    (re.compile(r"(?i)([\"'](?:(?:api_|access_|refresh_)?token|client_secret|secret|password"
                r"|api_key|authorization)[\"']\s*:\s*[\"'])([^\"']+)"), rf"\1{MASK}"),
    # Authorization header values
    (re.compile(r"(?i)\b(Bearer|Basic|Token)\s+[A-Za-z0-9._~+/!=-]{8,}"), rf"\1 {MASK}"),
    # the product's own key and secret shapes, and CRM token shapes
    (re.compile(r"\bmc_live_[0-9A-Za-z]+"), f"mc_live_{MASK}"),
    (re.compile(r"\bwhsec_[A-Za-z0-9+/=]+"), f"whsec_{MASK}"),
    (re.compile(r"\bpat-[a-z]{2}\d-[A-Za-z0-9-]+"), f"pat-{MASK}"),
    (re.compile(r"\b00D[A-Za-z0-9]{12,15}![A-Za-z0-9._]+"), f"00D{MASK}"),
)


def redact(text: str) -> str:
    for pattern, replacement in PATTERNS:
        text = pattern.sub(replacement, text)
    return text


class RedactSecrets(logging.Filter):
    """Rewrites the record's message (and traceback text) with secrets masked."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a bad format string: leave it to the handler to report
            return True
        cleaned = redact(message)
        if cleaned != message or record.args:
            record.msg, record.args = cleaned, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        return True
