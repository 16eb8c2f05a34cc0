"""Friendly names for runs started without one, e.g. ``brave-otter-417``."""

from __future__ import annotations

import random

_ADJECTIVES = (
    "amber agile bold brave bright calm clever crisp daring eager fancy gentle glad golden"
    " happy honest jolly keen kind lively lucky merry mighty nimble noble polite proud quick"
    " quiet rapid rare serene sharp shiny silent sleek smart snappy steady sunny swift tidy"
    " upbeat vivid warm wise witty zesty"
).split()
_NOUNS = (
    "ant badger bear bee bison cat cheetah cobra colt crab crane deer dove eagle eel falcon"
    " finch fox frog gecko goat hare hawk heron horse ibis jay koala lark lion lynx mole moth"
    " newt otter owl panda pike puma quail raven robin seal shark sloth snail swan tiger toad"
    " trout whale wolf wren yak zebra"
).split()


def random_run_name(rng: random.Random | None = None) -> str:
    r = rng or random
    return f"{r.choice(_ADJECTIVES)}-{r.choice(_NOUNS)}-{r.randint(100, 999)}"
