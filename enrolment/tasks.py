import smtplib

from celery import shared_task

from .mail import outbox_send
from .services import offers_expire


# OSError covers a refused or dropped connection to the SMTP server.
@shared_task(
    autoretry_for=(smtplib.SMTPException, OSError),
    retry_backoff=60,
    retry_backoff_max=3600,
    retry_jitter=True,
    max_retries=6,
)
def send_outbox_mail(mail_id: int) -> None:
    """Send one outbox row. Duplicates and retries of a sent row send nothing."""
    outbox_send(mail_id=mail_id)


@shared_task
def expire_waitlist_offers() -> int:
    return offers_expire()
