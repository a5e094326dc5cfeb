"""Sign-in and account forms."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, Regexp

from services.accounts.issue import USERNAME_PATTERN


class LoginForm(FlaskForm):
    username = StringField(_l("Username"), validators=[DataRequired(), Length(max=60)],
                           render_kw={"autocomplete": "username", "autocapitalize": "none"})
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)],
                             render_kw={"autocomplete": "current-password"})
    remember = BooleanField(_l("Remember me on this device"), default=False)


class PasswordForm(FlaskForm):
    current = PasswordField(_l("Current password"), validators=[DataRequired(), Length(max=200)],
                            render_kw={"autocomplete": "current-password"})
    new = PasswordField(_l("New password"), validators=[DataRequired(), Length(max=200)],
                        render_kw={"autocomplete": "new-password"},
                        description=_l("At least 8 characters; not a common password and not "
                                       "your name."))
    repeat = PasswordField(
        _l("Repeat the new password"),
        validators=[DataRequired(), EqualTo("new", message=_l("The passwords do not match."))],
        render_kw={"autocomplete": "new-password"},
    )


class FirstRunForm(FlaskForm):
    name = StringField(_l("Full name of the school"), validators=[DataRequired(), Length(max=200)])
    short_name = StringField(_l("Short name"), validators=[DataRequired(), Length(max=60)])
    timezone = StringField(_l("Time zone of the school"), validators=[DataRequired(),
                                                                      Length(max=64)],
                           description=_l("For example Asia/Almaty, Asia/Aqtobe or "
                                          "Europe/Moscow."))
    locale = SelectField(_l("Default language"),
                         choices=lambda: [("ru", _l("Russian")), ("kk", _l("Kazakh"))])
    last_name = StringField(_l("Last name"), validators=[DataRequired(), Length(max=60)])
    first_name = StringField(_l("First name"), validators=[DataRequired(), Length(max=60)])
    patronymic = StringField(_l("Patronymic"), validators=[Length(max=60)])
    sex = SelectField(_l("Sex"), choices=lambda: [("f", _l("female")), ("m", _l("male"))])
    username = StringField(
        _l("Username"),
        validators=[DataRequired(), Length(max=60), Regexp(USERNAME_PATTERN, message=_l(
            "From 3 to 60 Latin letters, digits, dots, hyphens or underscores."))],
        render_kw={"autocomplete": "username", "autocapitalize": "none"})
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)],
                             render_kw={"autocomplete": "new-password"})
    repeat = PasswordField(
        _l("Repeat the password"),
        validators=[DataRequired(), EqualTo("password", message=_l("The passwords do not match."))],
        render_kw={"autocomplete": "new-password"})
