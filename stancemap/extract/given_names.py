"""Common given names that are nearly always one gender: a person's gender for pronoun agreement when the article
gives no title or honorific ("Donald Trump ... she said" is not Donald Trump).

Only names that are unambiguous in English-language news (no "Jordan", "Kelly", "Robin", "Leslie", "Taylor",
"Jamie", "Dana", "Jean", "Terry", "Chris", "Pat", "Sam", "Alex", "Lee").
"""

from __future__ import annotations

MALE_GIVEN_NAMES = frozenset("""
aaron adam adrian alan albert alexander alfred andrew angelo anthony antonio arnold arthur barack barry ben benjamin
bernard bernie bill billy bob bobby boris brad bradley brandon brett brian bruce bryan carl carlos charles charlie
chuck clarence colin corey craig curt curtis dan daniel darrell dave david dennis derek dick don donald doug douglas
duncan dwight earl eddie edward elijah eric ernest eugene francis frank franklin fred frederick gary gene george
gerald glenn gordon graham greg gregory harold harry henry howard hugh ian isaac jack jacob jake james jared jason
jeb jeff jeffrey jeremy jerry jesse jim jimmy joe joel john johnny jon jonathan jorge jose joseph josh joshua juan
justin keith ken kenneth kevin kurt larry lawrence leon leonard lindsey lou louis luis luke marco marcus mario mark
martin matt matthew max michael mike mitch mitt mohammed muhammad nathan neil newt nicholas nick noah norman oliver
oscar patrick paul pedro peter phil philip ralph randy ray raymond reince richard rick rob robert rod roger ron
ronald roy rudy rush russell ryan samuel scott sean sergei seth stanley stephen steve steven stuart ted terrence
thomas tim timothy todd tom tommy tony travis trey victor vincent vladimir walter warren wayne william willie xavier
zachary
""".split())

FEMALE_GIVEN_NAMES = frozenset("""
abigail alice alicia alison allison amanda amber amy andrea angela angelina ann anna anne annie barbara becky betsy
betty beverly bonnie brenda brittany carla carly carmen carol caroline carolyn catherine cathy cecilia charlotte
cheryl christina christine claire claudia cynthia daisy deborah debbie debra denise diana diane donna doris dorothy
elaine eleanor elena elise elizabeth ellen emily emma erin eva evelyn florence frances gabriela gail gina gloria
grace hannah heather heidi helen hillary holly huma irene jacqueline jane janet janice jennifer jessica jill joan
joanna josephine joy joyce judith judy julia julie karen katherine kathleen kathryn kathy katie kay kellyanne
kimberly kirsten kristen laura lauren linda lisa loretta lori louise lucy lynn madeleine margaret maria marie
marilyn martha mary maryam megan melania melissa michelle mika monica nancy natalie nicole nina nikki olivia pamela
patricia paula pauline peggy rachel rebecca rita rosa rose ruth sally samantha sandra sara sarah sharon shirley
sophia stephanie susan suzanne sylvia teresa theresa tiffany tina valerie vanessa veronica victoria virginia wendy
yvonne
""".split())


def given_name_gender(name: str) -> str | None:
    """"m" or "f" by the first word of ``name`` ("Donald Trump" -> "m"), None when the name says nothing."""
    first = name.split()[0].lower().rstrip(".") if name.split() else ""
    if first in MALE_GIVEN_NAMES:
        return "m"
    if first in FEMALE_GIVEN_NAMES:
        return "f"
    return None
