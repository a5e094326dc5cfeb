"""Names for the demo school: Russian and Kazakh first names, surnames and patronymics.

Every person of the demo school is generated from these lists; none is a real person.
Surnames are stored in the masculine form and agree with the sex when used.
"""
from __future__ import annotations

import random
from dataclasses import dataclass

RU_MALE = (
    "Александр", "Алексей", "Андрей", "Антон", "Артём", "Арсений", "Богдан", "Вадим",
    "Валерий", "Василий", "Виктор", "Виталий", "Владимир", "Владислав", "Вячеслав",
    "Геннадий", "Георгий", "Глеб", "Григорий", "Даниил", "Денис", "Дмитрий", "Евгений",
    "Егор", "Иван", "Игорь", "Илья", "Кирилл", "Константин", "Лев", "Леонид", "Макар",
    "Максим", "Марк", "Матвей", "Михаил", "Никита", "Николай", "Олег", "Павел", "Пётр",
    "Роман", "Руслан", "Савелий", "Семён", "Сергей", "Станислав", "Степан", "Тимофей",
    "Тимур", "Фёдор", "Юрий", "Ярослав",
)
RU_FEMALE = (
    "Александра", "Алёна", "Алина", "Алиса", "Анастасия", "Ангелина", "Анна", "Арина",
    "Валентина", "Валерия", "Варвара", "Вера", "Вероника", "Виктория", "Галина", "Дарья",
    "Диана", "Ева", "Евгения", "Екатерина", "Елена", "Елизавета", "Злата", "Ирина", "Кира",
    "Ксения", "Лариса", "Любовь", "Людмила", "Маргарита", "Марина", "Мария", "Милана",
    "Надежда", "Наталья", "Нина", "Ольга", "Полина", "Светлана", "София", "Татьяна",
    "Ульяна", "Юлия", "Яна",
)
RU_SURNAMES = (
    "Иванов", "Смирнов", "Кузнецов", "Попов", "Васильев", "Петров", "Соколов", "Михайлов",
    "Новиков", "Фёдоров", "Морозов", "Волков", "Алексеев", "Лебедев", "Семёнов", "Егоров",
    "Павлов", "Козлов", "Степанов", "Николаев", "Орлов", "Андреев", "Макаров", "Никитин",
    "Захаров", "Зайцев", "Соловьёв", "Борисов", "Яковлев", "Григорьев", "Романов",
    "Воробьёв", "Сергеев", "Кузьмин", "Фролов", "Александров", "Дмитриев", "Королёв",
    "Гусев", "Киселёв", "Ильин", "Максимов", "Поляков", "Сорокин", "Виноградов", "Ковалёв",
    "Белов", "Медведев", "Антонов", "Тарасов", "Жуков", "Баранов", "Филиппов", "Комаров",
    "Давыдов", "Беляев", "Герасимов", "Богданов", "Осипов", "Сидоров", "Матвеев", "Титов",
    "Марков", "Миронов", "Крылов", "Куликов", "Карпов", "Власов", "Мельников", "Денисов",
    "Гаврилов", "Тихонов", "Казаков", "Афанасьев", "Данилов", "Савельев", "Тимофеев",
    "Фомин", "Чернов", "Калинин", "Быков", "Маслов", "Лазарев", "Воронин", "Голубев",
    "Кудрявцев", "Прохоров", "Журавлёв", "Соболев", "Гончаров", "Котов", "Громов",
    "Вишневский", "Покровский", "Островский", "Шевченко", "Бондаренко", "Ковальчук",
    "Черных", "Седых",
)

KK_MALE = (
    "Нұрсұлтан", "Әлихан", "Ержан", "Асқар", "Арман", "Айбек", "Бауыржан", "Дәурен",
    "Дәулет", "Ерлан", "Жандос", "Жасұлан", "Қайрат", "Марат", "Мұрат", "Нұрлан", "Серік",
    "Талғат", "Тимур", "Ілияс", "Әділет", "Ақжол", "Алдияр", "Аслан", "Бекзат", "Бекжан",
    "Ерасыл", "Ернар", "Нұрдәулет", "Рахат", "Санжар", "Темірлан", "Мирас", "Мағжан",
    "Ислам", "Абылай", "Айдос", "Ансар", "Біржан", "Дамир", "Ерболат", "Жанболат", "Қанат",
    "Мейірхан", "Нұрбол", "Олжас", "Самат", "Сұлтан", "Ұлан", "Шыңғыс",
)
KK_FEMALE = (
    "Айгерім", "Аружан", "Әсел", "Дана", "Айдана", "Ақбота", "Аяулым", "Балжан", "Гүлнар",
    "Гүлмира", "Дариға", "Жанар", "Жансая", "Жұлдыз", "Зарина", "Іңкәр", "Камила",
    "Қарлығаш", "Ләззат", "Мадина", "Меруерт", "Назерке", "Нұрай", "Нұрсұлу", "Перизат",
    "Сабина", "Салтанат", "Сания", "Томирис", "Ұлжан", "Ұлпан", "Фариза", "Шынар",
    "Эльмира", "Айша", "Әлия", "Аида", "Бибігүл", "Динара", "Гауһар", "Жібек", "Мөлдір",
    "Раушан", "Сәуле",
)
KK_SURNAMES = (
    "Ахметов", "Жұмабаев", "Омаров", "Қасымов", "Әбенов", "Байжанов", "Бекмұхамбетов",
    "Дүйсенов", "Ералиев", "Есенов", "Жақсылықов", "Жанұзақов", "Ибраев", "Исабеков",
    "Қалиев", "Қожахметов", "Құрманов", "Мұсабеков", "Нұрмағамбетов", "Оспанов", "Рахимов",
    "Сарсенбаев", "Сәрсенов", "Сұлтанов", "Тоқтаров", "Төлеубаев", "Шәкенов", "Әлиев",
    "Абдрахманов", "Айтжанов", "Алтынбеков", "Әміров", "Байтұрсынов", "Бектұров",
    "Дәулетов", "Ержанов", "Жексенбаев", "Жүнісов", "Кенжебаев", "Қуанышев", "Мамыров",
    "Мұхамеджанов", "Назарбеков", "Нұрланов", "Оразов", "Серікбаев", "Смағұлов",
    "Тәжібаев", "Тұрсынов", "Үсенов", "Ысқақов", "Әубәкіров", "Бейсенов", "Ермеков",
    "Жолдасов", "Қайыров", "Мақсұтов", "Сапаров", "Темірбеков", "Серіков",
    "Сейтқали", "Қалдыбек", "Ахметжан", "Жұмабай", "Нұрмұхамед", "Әбілқасым",
)

# Patronymics that the regular endings get wrong.
_RU_PATRONYMIC_EXCEPTIONS = {
    "Илья": ("Ильич", "Ильинична"), "Никита": ("Никитич", "Никитична"),
    "Пётр": ("Петрович", "Петровна"), "Павел": ("Павлович", "Павловна"),
    "Лев": ("Львович", "Львовна"), "Михаил": ("Михайлович", "Михайловна"),
    "Георгий": ("Георгиевич", "Георгиевна"), "Дмитрий": ("Дмитриевич", "Дмитриевна"),
    "Фёдор": ("Фёдорович", "Фёдоровна"), "Семён": ("Семёнович", "Семёновна"),
    "Артём": ("Артёмович", "Артёмовна"),
}
# Fathers of pupils and adults in general: names of the parents' generation.
RU_FATHERS = tuple(n for n in RU_MALE if n not in {"Савелий", "Макар", "Богдан", "Марк"})

_TRANSLIT = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "e", "ж": "zh",
    "з": "z", "и": "i", "й": "y", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o",
    "п": "p", "р": "r", "с": "s", "т": "t", "у": "u", "ф": "f", "х": "kh", "ц": "ts",
    "ч": "ch", "ш": "sh", "щ": "shch", "ъ": "", "ы": "y", "ь": "", "э": "e", "ю": "yu",
    "я": "ya", "ә": "a", "ғ": "g", "қ": "k", "ң": "n", "ө": "o", "ұ": "u", "ү": "u",
    "һ": "h", "і": "i",
}


def ru_patronymic(father: str, sex: str) -> str:
    """The Russian patronymic from a father's first name: Сергей -> Сергеевич / Сергеевна."""
    if father in _RU_PATRONYMIC_EXCEPTIONS:
        male, female = _RU_PATRONYMIC_EXCEPTIONS[father]
    elif father.endswith("ий"):
        male, female = father[:-2] + "ьевич", father[:-2] + "ьевна"
    elif father.endswith(("ей", "ай", "ь")):
        male, female = father[:-1] + "евич", father[:-1] + "евна"
    else:
        male, female = father + "ович", father + "овна"
    return male if sex == "m" else female


def kk_patronymic(father: str, sex: str) -> str:
    """The Kazakh patronymic: Нұрлан -> Нұрланұлы / Нұрланқызы."""
    return father + ("ұлы" if sex == "m" else "қызы")


def surname_for(surname: str, sex: str) -> str:
    """A masculine surname made to agree with the sex: Иванов -> Иванова, Вишневский -> Вишневская."""
    if sex == "m":
        return surname
    if surname.endswith(("ов", "ев", "ёв", "ин", "ын")):
        return surname + "а"
    if surname.endswith("ский") or surname.endswith("цкий"):
        return surname[:-2] + "ая"
    return surname  # Шевченко, Черных, Сейтқали do not change


def transliterate(text: str) -> str:
    """ASCII letters for a Cyrillic (Russian or Kazakh) text, for user names."""
    return "".join(_TRANSLIT.get(ch, ch) for ch in text.lower() if ch.isalnum())


@dataclass(frozen=True)
class Name:
    """A generated person's name and sex."""

    last: str
    first: str
    patronymic: str
    sex: str


class Namer:
    """Draws names for one language from a seeded random generator."""

    def __init__(self, rng: random.Random):
        self.rng = rng

    def surname(self, language: str) -> str:
        """A masculine surname of the language."""
        return self.rng.choice(KK_SURNAMES if language == "kk" else RU_SURNAMES)

    def father_name(self, language: str) -> str:
        """A first name of the parents' generation, to derive patronymics from."""
        return self.rng.choice(KK_MALE if language == "kk" else RU_FATHERS)

    def first(self, language: str, sex: str) -> str:
        """A first name of the language and sex."""
        if language == "kk":
            return self.rng.choice(KK_MALE if sex == "m" else KK_FEMALE)
        return self.rng.choice(RU_MALE if sex == "m" else RU_FEMALE)

    def patronymic(self, language: str, sex: str, father: str) -> str:
        """A patronymic from the father's name; Kazakhs often have none."""
        if language == "kk":
            return kk_patronymic(father, sex) if self.rng.random() < 0.6 else ""
        return ru_patronymic(father, sex)

    def person(self, language: str, sex: str | None = None, surname: str | None = None,
               father: str | None = None) -> Name:
        """A whole name; surname and father's name are shared within a family."""
        sex = sex or self.rng.choice("mf")
        surname = surname or self.surname(language)
        father = father or self.father_name(language)
        return Name(surname_for(surname, sex), self.first(language, sex),
                    self.patronymic(language, sex, father), sex)


class Usernames:
    """Unique user names such as ivanova.ap, ivanova.ap2 for a second Иванова А. П."""

    def __init__(self, taken: set[str] | None = None):
        self.taken = {t.lower() for t in taken or ()}

    def reserve(self, username: str) -> str:
        """Mark a fixed user name as used and return it."""
        self.taken.add(username.lower())
        return username

    def make(self, last: str, first: str, patronymic: str) -> str:
        """A free user name from a person's name."""
        initials = "".join(transliterate(p)[:1] for p in (first, patronymic) if p)
        base = f"{transliterate(last)}.{initials}"
        name, n = base, 1
        while name in self.taken:
            n += 1
            name = f"{base}{n}"
        return self.reserve(name)
