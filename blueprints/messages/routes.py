"""Messages between families and staff, and among staff (issue 20).

Every page works as plain forms; htmx enhances the recipient picker (a class's families) and
the header's unread badge. A conversation the user is not a member of, and its files, answer
404; a recipient policy.can_message refuses answers 403 with nothing stored.
"""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, abort, current_app, flash, redirect, request, send_file, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.exceptions import RequestEntityTooLarge

from blueprints.common import refuse, render, require
from blueprints.messages import forms
from blueprints.parse import arg_id, to_int
from extensions import db
from models import Pupil, User
from services import clock, policy, transactions, uploads
from services.messages import MessageError, broadcast, contacts, conversations, reply_rule

bp = Blueprint("messages", __name__, url_prefix="/messages")
PAGE_MAX = 10_000


@bp.app_template_global("overdue_replies")
def overdue_replies() -> int:
    """For a member of staff's "My day": parents' conversations waiting beyond the limit."""
    if not policy.is_staff(current_user):
        return 0
    return reply_rule.overdue_count(current_user.id)


@bp.get("/unread")
def unread():
    """The header's badge (polled every minute): one indexed sum; not counted as activity
    (services.accounts.sessions.BACKGROUND_ENDPOINTS)."""
    here = urlsplit(request.headers.get("HX-Current-URL", "")).path
    notices = None
    if current_user.has_role("parent"):  # the menu's count of unseen journal notices too
        count, notices = conversations.unread_with_notices(current_user.id)
    else:
        count = conversations.unread_count(current_user.id)
    response = render("messages/_badge.html", count=count, notices=notices,
                      badge_here=here.startswith(url_for("messages.inbox")))
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/")
def inbox():
    """The user's conversations, newest first, 30 a page."""
    page = to_int(request.args.get("page", "0"), 0, PAGE_MAX)
    if page is None:
        abort(404)
    rows, more = conversations.inbox(current_user, page)
    staff = policy.is_staff(current_user)
    return render("messages/inbox.html", rows=rows, more=more, page=page, staff=staff,
                  stamp=clock.stamp,
                  overdue_before=reply_rule.overdue_before() if staff else None,
                  sent=broadcast.sent_by(current_user) if staff and page == 0 else [],
                  may_broadcast=staff and bool(policy.broadcast_class_ids(current_user)))


def _picker(form: forms.NewMessageForm, class_id: int | None) -> dict:
    """The recipient choices: a family's contacts by child, or staff plus a chosen class."""
    # The None group is an option outside any group: nobody is chosen until the user does.
    choices: dict = {None: [("", _("— choose a recipient —"))]}
    if not policy.is_staff(current_user):
        groups = contacts.family_groups(current_user, str(get_locale()))
        choices.update({g.title: [(c.value, f"{c.name} · {c.note}" if c.note else c.name)
                                  for c in g.contacts] for g in groups})
        form.to.choices = choices if groups else {}
        return {"classes": [], "class_id": None}
    people = contacts.class_contacts(current_user, class_id) if class_id else None
    if people:
        choices[_("Chosen class")] = [(c.value, f"{c.name} · {c.note}") for c in people]
    choices[_("Colleagues")] = [(c.value, c.name) for c in contacts.staff_contacts(current_user)]
    form.to.choices = choices
    return {"classes": contacts.reachable_classes(current_user),
            "class_id": class_id if people is not None else None}


def _new_page(form: forms.NewMessageForm, class_id: int | None, status: int = 200):
    return render("messages/new.html", "recipients", status=status, form=form,
                  **_picker(form, class_id))


@bp.get("/new")
def new():
    """The new message form; ?class= loads a class's pupils and parents (htmx: the
    recipient block only); ?to= preselects a recipient."""
    form = forms.NewMessageForm(to=request.args.get("to", ""))
    return _new_page(form, arg_id(request.args, "class"))


def _posted(form_class):
    """The posted form, or an empty one with an error when the upload is over the server's
    limit (MAX_CONTENT_LENGTH): the request's body is then never read."""
    try:
        return form_class(), None
    except RequestEntityTooLarge:
        form = form_class(formdata=None)
        limit = current_app.config.get("MAX_CONTENT_LENGTH") or 0
        form.form_errors.append(_("The files together are too large: send at most %(mb)d MB "
                                  "in one message.", mb=max(1, limit // uploads.MB)))
        return form, 413


def _files(form) -> list[uploads.Upload]:
    return conversations.check_files(request.files.getlist(form.files.name))


@bp.post("/new")
def send():
    """Start a conversation with a recipient of the user's list; 303 to the thread."""
    form, too_large = _posted(forms.NewMessageForm)
    class_id = arg_id(request.args, "class")
    if too_large:
        return _new_page(form, class_id, too_large)
    choice = contacts.parse_choice(form.to.data)
    recipient = db.session.get(User, choice[0]) if choice else None
    pupil = db.session.get(Pupil, choice[1]) if choice and choice[1] else None
    try:
        if not form.to.data:
            raise MessageError(_("Choose a recipient."), "to")
        if choice and choice[1] and pupil is None:
            raise MessageError(_("Choose one of the family's children."), "to")
        conversation = conversations.start(current_user, recipient, form.subject.data,
                                           form.body.data, _files(form), pupil=pupil)
        db.session.commit()
    except MessageError as error:
        refuse(form, error)
        return _new_page(form, class_id, 403 if error.status == 403 else 422)
    flash(_("The message is sent."), "success")
    return redirect(url_for("messages.show", conversation_id=conversation.id), 303)


def _thread_or_404(conversation_id: int) -> conversations.Thread:
    found = conversations.thread(current_user, conversation_id)
    if found is None:
        abort(404)
    return found


def _thread_page(found: conversations.Thread, form: forms.ReplyForm, status: int = 200,
                 first_new: int | None = None):
    staff = policy.is_staff(current_user)
    return render("messages/thread.html", status=status, t=found, form=form, stamp=clock.stamp,
                  first_new=first_new,
                  overdue=staff and reply_rule.is_overdue(
                      found.conversation.awaiting_reply_since))


@bp.get("/<int:conversation_id>")
def show(conversation_id: int):
    """A thread, oldest first, with the reply form at the bottom; seen now by the user."""
    found = _thread_or_404(conversation_id)
    last = found.messages[-1].id if found.messages else 0
    first_new = next((m.id for m in found.messages if m.id > found.me.read_upto
                      and m.sender_id != current_user.id), None)
    if conversations.has_unseen(found.me, last):
        with transactions.apart():  # a short write of its own, not held while rendering
            conversations.mark_read(found.me, last)
    return _thread_page(found, forms.ReplyForm(), first_new=first_new)


@bp.post("/<int:conversation_id>")
def answer(conversation_id: int):
    """A member's reply; 303 back to the thread (its end)."""
    found = _thread_or_404(conversation_id)
    form, too_large = _posted(forms.ReplyForm)
    if too_large:
        return _thread_page(found, form, too_large)
    try:
        message = conversations.reply(current_user, found.conversation, form.body.data,
                                      _files(form))
        db.session.commit()
    except MessageError as error:
        refuse(form, error)
        return _thread_page(_thread_or_404(conversation_id), form, error.status)
    return redirect(url_for("messages.show", conversation_id=conversation_id,
                            _anchor=f"m{message.id}"), 303)


@bp.get("/attachment/<int:attachment_id>")
def attachment(attachment_id: int):
    """A file of a conversation the user is a member of (404 otherwise), as a download."""
    row = conversations.attachment_for(current_user, attachment_id)
    path = uploads.path_of(conversations.AREA, row.stored_name) if row else None
    if path is None:
        abort(404)
    response = send_file(path, mimetype=row.content_type, as_attachment=True,
                         download_name=row.filename, max_age=0)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _targets(form: forms.BroadcastForm) -> None:
    classes = broadcast.allowed_classes(current_user)
    choices = {_("Class"): [(f"class:{c.id}", c.name) for c in classes]}
    if policy.may_broadcast_parallel(current_user):
        grades = sorted({c.grade for c in classes})
        choices[_("Parallel")] = [(f"grade:{g}", _("all classes of grade %(g)d", g=g))
                                  for g in grades]
    form.target.choices = choices


def _target(raw: str | None) -> tuple[int | None, int | None]:
    kind, _sep, value = (raw or "").partition(":")
    if kind == "class":
        return arg_id({"v": value}, "v"), None
    if kind == "grade":
        return None, to_int(value, 1, 12)
    return None, None


@bp.route("/broadcast", methods=["GET", "POST"])
def broadcast_form():
    """One message to all parents of a class (class teacher, administration) or of a
    parallel (administration): each parent gets a conversation of their own."""
    require(bool(policy.broadcast_class_ids(current_user)))
    form = forms.BroadcastForm()
    _targets(form)
    if request.method == "GET":
        return render("messages/broadcast.html", form=form)
    try:
        class_ids = broadcast.target_class_ids(current_user, *_target(form.target.data))
        _key, count = broadcast.send(current_user, class_ids, form.subject.data,
                                     form.body.data)
        db.session.commit()
    except MessageError as error:
        refuse(form, error)
        return render("messages/broadcast.html", status=error.status, form=form)
    flash(_("The message is sent to %(n)d parents; each answers you privately.", n=count),
          "success")
    return redirect(url_for("messages.inbox"), 303)
