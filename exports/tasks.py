from celery import shared_task

from . import services


@shared_task(name="exports.build_trial_export")
def build_trial_export(run_id):
    """Build a queued trial-dataset ZIP. Safe to run twice: only a queued run is built."""
    return services.run_export(run_id).status


@shared_task(name="exports.purge_old_export_files")
def purge_old_export_files():
    """Delete ZIPs older than EXPORT_RETENTION_DAYS; the log rows stay."""
    return services.purge_old_export_files()
