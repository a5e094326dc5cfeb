"""Hard copies of a parallel or the whole school in the background (issue 18, report 7's
batch): the job, its progress, its ZIP, who may ask and who may see it.

The tests run the queue in immediate mode (the job is made inside the request that asks for
it) and replace the one-class hard copy (services.reports.hardcopy, tested on its own) with
a fake PDF; one test runs the real queue file the worker reads."""
from __future__ import annotations

import datetime as dt
import io
import stat
import zipfile
from pathlib import Path

import pytest
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select, text

from extensions import db
from models import StudyPeriod
from models.jobs import ReportJob
from services.reports import jobs

FAKE = b"%PDF-1.4 fake"


@pytest.fixture
def printed(monkeypatch):
    """The fake hard copy: records (class name, period id, locale, job progress as committed)."""
    calls: list[tuple] = []

    def fake(school_class, period, locale=None):
        with db.engine.connect() as conn:  # what the server sees meanwhile
            row = conn.execute(text("SELECT status, done, total FROM report_job")).all()[-1]
        calls.append((school_class.name, period.id, locale, tuple(row)))
        if school_class.name in fails:
            raise RuntimeError(f"no grid for {school_class.name}")
        return FAKE

    fails: set[str] = set()
    monkeypatch.setattr("services.reports.hardcopy.hard_copy_pdf", fake)
    return type("Printed", (), {"calls": calls, "fails": fails})


@pytest.fixture
def halves(school):
    """Half-years for 10 «А» (tiny_school has quarters only); half 1 holds quarter 2's end."""
    q = school.builder.periods
    made = [school.builder._add(StudyPeriod(year_id=school.builder.year.id, scheme="half",
                                            number=n, start_date=a.start_date,
                                            end_date=b.end_date))
            for n, (a, b) in enumerate(((q[0], q[1]), (q[2], q[3])), start=1)]
    db.session.commit()
    return made


def _start(client, school, scope="school", period=None):
    period = period or school.builder.periods[1]
    return client.post("/reports/batch", data={"period": str(period.id), "scope": scope})


def _job(response) -> ReportJob:
    assert response.status_code == 303, response.text
    job_id = int(response.headers["Location"].rsplit("/", 1)[1])
    return db.session.get(ReportJob, job_id)


def _zip(client, job) -> zipfile.ZipFile:
    response = client.get(f"/reports/batch/{job.id}/file")
    assert response.status_code == 200
    assert response.mimetype == "application/zip"
    assert "no-store" in response.headers["Cache-Control"]
    data = response.data
    response.close()  # send_file's open file
    return zipfile.ZipFile(io.BytesIO(data))


def test_whole_school_batch_is_one_zip_of_one_pdf_per_class(app, login, school, printed,
                                                            halves):
    school.c6.language = "kk"
    client = login("deputy")
    client.post("/language/kk")
    job = _job(_start(client, school))
    assert job.locale == "kk"  # the page's and the messages' language
    assert (job.status, job.done, job.total, job.failures, job.error) == ("done", 3, 3, [], "")
    assert job.class_ids == [school.c5.id, school.c6.id, school.c10.id]
    archive = _zip(client, job)
    assert archive.namelist() == ["05 А.pdf", "06 Б.pdf", "10 А.pdf"]
    assert all(archive.read(name) == FAKE for name in archive.namelist())
    # Each class in its own language, whoever asks; the progress was committed class by
    # class, so the server read it while the batch was being made. 10 «А» follows
    # half-years: it gets the half that holds quarter 2's end.
    q2, h1 = school.builder.periods[1].id, halves[0].id
    assert printed.calls == [("5 «А»", q2, "ru", ("running", 0, 3)),
                             ("6 «Б»", q2, "kk", ("running", 1, 3)),
                             ("10 «А»", h1, "ru", ("running", 2, 3))]
    path = jobs.folder() / job.result_key
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert Path(app.config["UPLOAD_FOLDER"]) in path.parents


def test_a_parallel_and_the_done_page(login, school, printed):
    client = login("director")
    job = _job(_start(client, school, scope="6"))
    assert (job.status, job.done, job.total, job.grade) == ("done", 1, 1, 6)
    assert _zip(client, job).namelist() == ["06 Б.pdf"]
    page = client.get(f"/reports/batch/{job.id}")
    assert page.status_code == 200 and school.director.person.short_name in page.text
    assert f'href="/reports/batch/{job.id}/file"' in page.text
    assert 'max="1" value="1"' in page.text
    assert 'hx-trigger="every 2s"' not in page.text  # finished: the page stops polling
    listing = client.get("/reports/batch")
    assert f'href="/reports/batch/{job.id}"' in listing.text


def test_a_running_job_polls_its_progress_fragment(login, school):
    job = ReportJob(requested_by=school.deputy.id, class_ids=[school.c5.id, school.c6.id],
                    period_id=school.builder.periods[1].id, grade=None, status="running",
                    done=1, total=2, failures=[], error="")
    db.session.add(job)
    client = login("deputy")
    page = client.get(f"/reports/batch/{job.id}")
    assert 'hx-trigger="every 2s"' in page.text and "<html" in page.text
    assert 'max="2" value="1"' in page.text and "/file" not in page.text
    assert client.get(f"/reports/batch/{job.id}/file").status_code == 404  # not made yet
    fragment = client.get(f"/reports/batch/{job.id}", headers={"HX-Request": "true"})
    assert fragment.text.lstrip().startswith('<section id="batch-progress"')
    assert "<html" not in fragment.text and "HX-Request" in fragment.headers["Vary"]


@pytest.mark.parametrize("username, status", [
    ("teacher", 404), ("ct", 404), ("mum", 404), ("deputy1", 404), ("secretary", 404),
    ("director", 200), ("admin", 200), ("deputy", 200)])
def test_only_the_asker_and_leadership_of_its_classes_see_a_job(login, school, printed,
                                                                username, status):
    job = _job(_start(login("deputy"), school, scope="5"))
    client = login(username)
    assert client.get(f"/reports/batch/{job.id}").status_code == status
    download = client.get(f"/reports/batch/{job.id}/file")
    download.close()
    assert download.status_code == status
    assert client.get(f"/reports/batch/{job.id}", headers={"HX-Request": "1"}
                      ).status_code == status


@pytest.mark.parametrize("username", ["teacher", "ct", "mum", "anna", "secretary"])
def test_others_cannot_start_a_batch(login, school, printed, username):
    client = login(username)
    assert client.get("/reports/batch").status_code == 403
    assert _start(client, school).status_code == 403
    assert db.session.scalar(select(ReportJob)) is None and printed.calls == []


def test_a_deputy_of_one_level_prints_their_classes_only(login, school, printed):
    c2 = school.builder.school_class(2, "В")
    db.session.commit()
    client = login("deputy1")
    form = client.get("/reports/batch").text
    assert 'value="2"' in form and 'value="5"' not in form
    job = _job(_start(client, school))
    assert job.class_ids == [c2.id]
    refused = _start(client, school, scope="5")  # not theirs: nothing to print
    assert refused.headers["X-Refused-Status"] == "422"


def test_a_class_that_fails_is_listed_and_the_others_are_printed(login, school, printed):
    """6 «Б»'s copy raises; 10 «А» follows half-years, which this year lacks."""
    printed.fails.add("6 «Б»")
    client = login("deputy")
    job = _job(_start(client, school))
    assert (job.status, job.done, job.total) == ("done", 3, 3)
    with force_locale(job.locale):
        no_period = _("The class has no study period of its own for the period asked.")
    assert job.failures == [[school.c6.id, "no grid for 6 «Б»"], [school.c10.id, no_period]]
    assert _zip(client, job).namelist() == ["05 А.pdf"]
    page = client.get(f"/reports/batch/{job.id}").text
    assert "6 «Б»: no grid for 6 «Б»" in page


def test_a_batch_where_no_class_prints_fails_with_its_reason(login, school, printed, halves):
    printed.fails.update({"5 «А»", "6 «Б»", "10 «А»"})
    client = login("deputy")
    job = _job(_start(client, school))
    assert (job.status, job.done, job.result_key) == ("failed", 3, None)
    assert len(job.failures) == 3 and job.error
    page = client.get(f"/reports/batch/{job.id}")
    assert page.status_code == 200 and "10 «А»: no grid for 10 «А»" in page.text
    assert client.get(f"/reports/batch/{job.id}/file").status_code == 404
    assert list(jobs.folder().iterdir()) == []  # no half-made file left behind


def test_an_unreachable_queue_fails_the_job_instead_of_a_500(login, school, monkeypatch):
    def down(job_id):
        raise OSError("disk full")
    monkeypatch.setattr(jobs, "make_hardcopies", down)
    job = _job(_start(login("deputy"), school))
    assert job.status == "failed" and job.error


@pytest.mark.parametrize("data", [
    {"period": "", "scope": "school"}, {"period": "999", "scope": "school"},
    {"period": "²", "scope": "school"}, {"scope": "5"}, {"period": "P", "scope": "²"},
    {"period": "P", "scope": ""}, {"period": "P", "scope": "99999999999999999999"},
    {"period": "P", "scope": "9"}])
def test_bad_choices_are_refused_and_nothing_is_queued(login, school, printed, data):
    data = {k: str(school.builder.periods[1].id) if v == "P" else v for k, v in data.items()}
    response = login("deputy").post("/reports/batch", data=data)
    assert response.headers["X-Refused-Status"] == "422" and 'role="alert"' in response.text
    assert db.session.scalar(select(ReportJob)) is None and printed.calls == []


@pytest.fixture
def real_queue(app, tmp_path):
    """The queue as the server and the worker use it: a SQLite file, not immediate mode."""
    app.config.update(JOBS_IMMEDIATE=False, JOBS_DB=str(tmp_path / "jobs.sqlite3"))
    yield tmp_path / "jobs.sqlite3"
    jobs.huey.storage.close()
    app.config.update(JOBS_IMMEDIATE=True, JOBS_DB=None)
    jobs.use_app(app)


def test_the_worker_takes_the_job_from_the_queue_file(login, school, printed, halves,
                                                     real_queue):
    client = login("deputy")
    job = _job(_start(client, school, scope="10"))
    assert job.status == "queued" and real_queue.exists() and printed.calls == []
    page = client.get(f"/reports/batch/{job.id}").text
    assert 'hx-trigger="every 2s"' in page and "<progress class=\"batch-bar\" aria-label" in page
    task = jobs.huey.dequeue()  # what huey_consumer does, in this process
    jobs.huey.execute(task)
    db.session.refresh(job)
    assert (job.status, job.done) == ("done", 1)
    assert _zip(client, job).namelist() == ["10 А.pdf"]
    assert jobs.huey.dequeue() is None


def _row(school, **values) -> ReportJob:
    values = {"class_ids": [school.c5.id], "total": 1, **values}
    job = ReportJob(requested_by=school.deputy.id, period_id=school.builder.periods[1].id,
                    failures=[], error="", **values)
    db.session.add(job)
    db.session.commit()
    return job


def test_a_stopped_worker_s_job_fails_and_its_half_made_file_goes(app, school):
    """What the worker does when it starts (a worker stopped mid-batch leaves both)."""
    folder = jobs.folder()
    (folder / "kept.zip").write_bytes(b"PK")
    (folder / "half.zip").write_bytes(b"PK")
    done = _row(school, status="done", done=1, result_key="kept.zip")
    stuck = _row(school, status="running")
    jobs.recover()
    assert (stuck.status, done.status) == ("failed", "done") and stuck.error
    assert sorted(p.name for p in folder.iterdir()) == ["kept.zip"]


def test_files_of_old_batches_are_pruned(login, school, printed):
    long_ago = dt.datetime.now(dt.UTC).replace(tzinfo=None) - dt.timedelta(days=15)
    old = _row(school, status="done", done=1, result_key="old.zip", finished_at=long_ago)
    (jobs.folder() / "old.zip").write_bytes(b"PK")
    client = login("deputy")
    _job(_start(client, school, scope="5"))
    assert not (jobs.folder() / "old.zip").exists()
    page = client.get(f"/reports/batch/{old.id}").text
    assert f"/reports/batch/{old.id}/file" not in page and 'class="empty"' in page
    assert client.get(f"/reports/batch/{old.id}/file").status_code == 404


def test_a_class_removed_after_the_batch_was_asked_is_listed(app, school, printed):
    """The worker's side on its own: a class id that no longer names a class."""
    job = _row(school, status="queued", class_ids=[school.c5.id, 999_999], total=2)
    jobs.run(job.id)
    assert (job.status, job.done) == ("done", 2)
    assert [c for c, _reason in job.failures] == [None] and job.failures[0][1]
    with zipfile.ZipFile(jobs.result_path(job)) as archive:
        assert archive.namelist() == ["05 А.pdf"]
    jobs.run(job.id)  # a message delivered twice: nothing is made again
    assert len(list(jobs.folder().iterdir())) == 1
