/*
 * Russian SayNumber rules (see say_ru.h).
 *
 * DESIGN
 * The number is said group by group (billions, millions, thousands, the
 * rest), each group as hundreds ("digits/200"), tens ("digits/40") or a
 * teen, and units, then the group's word in the form the group's last
 * digits ask for: 1 (but not 11) singular "thousand"/"million", 2-4 (but
 * not 12-14) "thousands-i"/"million-a", else "thousands"/"millions".
 * 1 and 2 take the group's gender: thousands are feminine ("digits/1f",
 * "digits/2f"), millions and billions masculine, the last group what the
 * caller asked for ('f' or 'n' suffix).  1000 is said "thousand" alone.
 *
 * These are the names of Asterisk's Russian prompt layout.  Debian's
 * ru_RU_f_IvrvoiceRU set lacks some of them (it has 0-19, 1n, 2n, the
 * tens, hundred, thousand, million, billion), so each name goes through a
 * fallback chain to the nearest file present: 1f -> 1n -> 1, N00 -> N +
 * hundred (100 -> hundred), thousands-i/thousands -> thousand,
 * million-a/millions -> million, billion-a/billions -> billion.
 */
#include <stdio.h>
#include <string.h>

#include "apps/media/say_ru.h"

struct out {
	say_exists_fn *exists;
	void *arg;
	char (*names)[SAY_NAME_LEN];
	size_t n, max;
};

static bool have(struct out *o, const char *name)
{
	return !o->exists || o->exists(o->arg, name);
}

static void put(struct out *o, const char *name)
{
	if (o->n < o->max)
		snprintf(o->names[o->n++], SAY_NAME_LEN, "%s", name);
}

/* A name, or its fallbacks when the prompt set does not have it. */
static void say(struct out *o, const char *name)
{
	char alt[SAY_NAME_LEN];
	if (have(o, name)) {
		put(o, name);
		return;
	}
	size_t len = strlen(name);
	if (len > 1 && (name[len - 1] == 'f' || name[len - 1] == 'n') &&
	    (name[len - 2] == '1' || name[len - 2] == '2')) {
		/* gendered 1/2: the other gendered form, else masculine */
		snprintf(alt, sizeof(alt), "%.*s%c", (int)(len - 1), name,
			 name[len - 1] == 'f' ? 'n' : 'f');
		if (have(o, alt)) {
			put(o, alt);
			return;
		}
		snprintf(alt, sizeof(alt), "%.*s", (int)(len - 1), name);
		put(o, alt);
		return;
	}
	if (len == 10 && !strncmp(name, "digits/", 7) && name[7] >= '1' && name[7] <= '9' &&
	    !strcmp(name + 8, "00")) {
		int h = name[7] - '0';
		if (h > 1) {
			snprintf(alt, sizeof(alt), "digits/%d", h);
			put(o, alt);
		}
		put(o, "digits/hundred");
		return;
	}
	static const char *const words[] = {"thousand", "million", "billion"};
	for (size_t i = 0; i < 3; i++) {
		size_t wl = strlen(words[i]);
		if (!strncmp(name, "digits/", 7) && !strncmp(name + 7, words[i], wl)) {
			snprintf(alt, sizeof(alt), "digits/%s", words[i]);
			put(o, alt);
			return;
		}
	}
	put(o, name); /* nothing better: Playback reports it missing */
}

/* 1..999 in the given gender. */
static void group(struct out *o, int v, char gender)
{
	char name[SAY_NAME_LEN];
	if (v >= 100) {
		snprintf(name, sizeof(name), "digits/%d00", v / 100);
		say(o, name);
		v %= 100;
	}
	if (v >= 20) {
		snprintf(name, sizeof(name), "digits/%d", v / 10 * 10);
		say(o, name);
		v %= 10;
	}
	if (!v)
		return;
	if (v <= 2 && (gender == 'f' || gender == 'n'))
		snprintf(name, sizeof(name), "digits/%d%c", v, gender);
	else
		snprintf(name, sizeof(name), "digits/%d", v);
	say(o, name);
}

/* 0 singular, 1 few (2-4), 2 many. */
static int form(int v)
{
	int t = v % 100, u = v % 10;
	if (t >= 11 && t <= 14)
		return 2;
	return u == 1 ? 0 : u >= 2 && u <= 4 ? 1 : 2;
}

size_t say_ru_number(long long v, char gender, say_exists_fn *exists, void *arg,
		     char names[][SAY_NAME_LEN], size_t max)
{
	struct out o = {.exists = exists, .arg = arg, .names = names, .max = max};
	static const struct {
		long long unit;
		char gender;
		const char *form[3];
	} big[] = {
		{1000000000LL, 'm', {"digits/billion", "digits/billion-a", "digits/billions"}},
		{1000000LL, 'm', {"digits/million", "digits/million-a", "digits/millions"}},
		{1000LL, 'f', {"digits/thousand", "digits/thousands-i", "digits/thousands"}},
	};
	unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;
	if (v < 0)
		say(&o, "digits/minus");
	if (!u)
		say(&o, "digits/0");
	for (size_t b = 0; b < 3; b++) {
		unsigned long long g = u / (unsigned long long)big[b].unit;
		if (!g)
			continue;
		if (g > 999) /* thousands of billions: the count said as a number */
			o.n += say_ru_number((long long)g, 'm', exists, arg, names + o.n, max - o.n);
		else if (!(b == 2 && g == 1))
			group(&o, (int)g, big[b].gender);
		say(&o, big[b].form[form((int)(g % 1000))]);
		u %= (unsigned long long)big[b].unit;
	}
	if (u)
		group(&o, (int)u, gender);
	return o.n;
}
