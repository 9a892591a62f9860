import pytest


@pytest.fixture
def run(django_capture_on_commit_callbacks):
    """Run a task as the worker would (eagerly here) and send what it queued after commit."""

    def run_task(task, *args):
        with django_capture_on_commit_callbacks(execute=True):
            return task.apply(args=args).get()

    return run_task
