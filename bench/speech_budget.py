"""How long the line keeps callers listening: `python -m bench.speech_budget [--calibrate]`.

Without flags: the longest waits before a caller can answer (the dialog lint's speech budget,
both languages and profiles) and the longest single prompts, in seconds of the lint's model.

`--calibrate` renders every prompt with espeak-ng (`apt-get install -y espeak-ng`), plain and
in `<prosody rate="slow">` (the elderly profile), fits the model's seconds per syllable or
word, per comma and per full stop by least squares, and prints them beside the constants in
dialogs/speech.py with the model's error. espeak-ng's own Mandarin is slow (2.6 syllables a
second at its default -s 175); it is run at the rates of telephone voices instead: -s 290 for
Mandarin (about 4.3 syllables a second) and -s 160 for English (about 2.7 words a second).
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import tempfile
import wave
from pathlib import Path

from dialogs.budget import sentence, waits
from dialogs.loader import FLOWS, parse
from dialogs.prompts import LANGUAGES, catalog
from dialogs.speech import _COMMA, _STOP, _UNIT_ZH, _WORD_EN, SECONDS, seconds

VOICES = {"zh-CN": ("cmn", 290), "en": ("en", 160)}


def render_s(said: str, language: str, *, slow: bool, folder: Path) -> float:
    """Seconds of espeak-ng's rendering of one sentence."""
    voice, speed = VOICES[language]
    out = folder / "said.wav"
    args = ["espeak-ng", "-v", voice, "-s", str(speed), "-w", str(out)]
    if slow:
        args += ["-m", f'<speak><prosody rate="slow">{said}</prosody></speak>']
    else:
        args.append(said)
    subprocess.run(args, check=True, capture_output=True)
    with wave.open(str(out)) as audio:
        return audio.getnframes() / audio.getframerate()


def features(said: str, language: str) -> tuple[float, float, float]:
    """The model's counts: syllables (or words), commas, full stops."""
    units = (_WORD_EN if language == "en" else _UNIT_ZH).findall(said)
    return float(len(units)), float(len(_COMMA.findall(said))), float(len(_STOP.findall(said)))


def least_squares(rows: list[tuple[float, float, float]], y: list[float]) -> list[float]:
    """Three coefficients without intercept, by the normal equations (Cramer's rule)."""
    a = [[sum(r[i] * r[j] for r in rows) for j in range(3)] for i in range(3)]
    b = [sum(r[i] * t for r, t in zip(rows, y, strict=True)) for i in range(3)]

    def det(m: list[list[float]]) -> float:
        return (m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1])
                - m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0])
                + m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0]))

    whole = det(a)
    coefficients = []
    for k in range(3):
        m = [row[:] for row in a]
        for i in range(3):
            m[i][k] = b[i]
        coefficients.append(det(m) / whole)
    return coefficients


def calibrate() -> None:
    """Fit the model to espeak-ng and print it beside the constants in use."""
    if shutil.which("espeak-ng") is None:
        raise SystemExit("espeak-ng is not installed: apt-get install -y espeak-ng")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for language in LANGUAGES:
            said = [sentence(p, language) for p in sorted(catalog(language))
                    if not p.endswith(".label") and not p.startswith(("sms.", "text."))]
            plain = [render_s(s, language, slow=False, folder=folder) for s in said]
            slow = [render_s(s, language, slow=True, folder=folder) for s in said]
            rows = [features(s, language) for s in said]
            unit, comma, stop = least_squares(rows, plain)
            ratio = sum(slow) / sum(plain)
            model = [seconds(s, language) for s in said]
            error = sum(abs(m - p) for m, p in zip(model, plain, strict=True)) / len(said)
            used = SECONDS["en" if language == "en" else "zh-CN"]
            print(f"{language}: {len(said)} prompts, espeak-ng {sum(plain):.0f} s plain, "
                  f"{sum(slow):.0f} s slow")
            print(f"  fitted unit {unit:.3f} s, comma {comma:.3f} s, stop {stop:.3f} s, "
                  f"slow x{ratio:.2f}")
            print(f"  in use unit {used['unit']:.3f} s, comma {used['comma']:.3f} s, "
                  f"stop {used['stop']:.3f} s, slow x{used['slow']:.2f}; "
                  f"mean error of the model {error:.2f} s a prompt")


def report(top: int) -> None:
    """The longest waits before an answer and the longest prompts."""
    # Parsed, not loaded: a dialog over its budget is measured too, not refused.
    every = waits(parse((FLOWS / "line.yaml").read_text(encoding="utf-8")))
    for language in LANGUAGES:
        for profile in ("normal", "elderly"):
            mine = sorted((w for w in every if w.language == language and w.profile == profile),
                          key=lambda w: -w.seconds)
            print(f"\n{language}, {profile}: longest waits before the caller can answer "
                  f"(limit {mine[0].limit:.0f} s; greeting and first question "
                  f"{next(w.limit for w in mine if w.how.startswith('greeting')):.1f} s)")
            shown: set[str] = set()
            for wait in mine:
                if wait.text in shown:
                    continue
                shown.add(wait.text)
                print(f"  {wait.seconds:5.1f} s  {wait.node:<20} {wait.how}: {wait.text}")
                if len(shown) >= top:
                    break
    for language in LANGUAGES:
        said = sorted(((seconds(sentence(p, language), language), p) for p in catalog(language)
                       if not p.endswith(".label") and not p.startswith(("sms.", "text."))),
                      reverse=True)[:top]
        print(f"\n{language}: longest prompts (normal / elderly seconds)")
        for length, prompt in said:
            slow = seconds(sentence(prompt, language), language, slow=True)
            print(f"  {length:5.1f} / {slow:5.1f} s  {prompt}: {sentence(prompt, language)}")


def main() -> None:
    """Print the longest waits and prompts, or calibrate the model."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calibrate", action="store_true")
    parser.add_argument("--top", type=int, default=8)
    args = parser.parse_args()
    if args.calibrate:
        calibrate()
    else:
        report(args.top)


if __name__ == "__main__":
    main()
