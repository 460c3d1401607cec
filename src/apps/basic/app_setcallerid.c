/*
 * SetCallerPres(presentation): Asterisk's app_setcallerid, deprecated there
 * in favour of Set(CALLERID(name-pres)=...) and Set(CALLERID(num-pres)=...)
 * but still common in old dialplans.  Sets the presentation of both the
 * caller ID name and number; an unknown value is a warning and the
 * dialplan goes on, as in Asterisk.
 */
#include <stdatomic.h>
#include <stdbool.h>

#define ZV_LOG_MODULE "app_setcallerid"
#include <zvonok/channel.h>
#include <zvonok/log.h>
#include <zvonok/module.h>
#include <zvonok/pbx.h>

static enum zv_app_result setcallerpres_exec(struct zv_channel *chan, const char *data)
{
	static atomic_bool warned;
	if (!atomic_exchange(&warned, true))
		zv_warn("SetCallerPres is deprecated: use Set(CALLERID(name-pres)=value) and "
			"Set(CALLERID(num-pres)=value) instead");
	int pres = zv_pres_parse(data);
	if (pres < 0) {
		zv_warn("'%s' is not a valid presentation (see 'core show application "
			"SetCallerPres')",
			data);
		return ZV_APP_CONTINUE;
	}
	zv_channel_set_cid_pres(chan, pres, pres);
	return ZV_APP_CONTINUE;
}

static const struct zv_app apps[] = {
	{"SetCallerPres", "Set CallerID Presentation", "SetCallerPres(presentation)",
	 "Sets the caller ID presentation of the channel (name and number): "
	 "allowed_not_screened, allowed_passed_screen, allowed_failed_screen, allowed, "
	 "prohib_not_screened, prohib_passed_screen, prohib_failed_screen, prohib, "
	 "unavailable, or a number.  Deprecated: use CALLERID(name-pres) and "
	 "CALLERID(num-pres).",
	 setcallerpres_exec},
};

static int app_setcallerid_load(struct zv_module *mod)
{
	return zv_apps_register(mod, apps, sizeof(apps) / sizeof(*apps));
}

ZV_MODULE(app_setcallerid) = {
	.summary = "Set CallerID Presentation Application",
	.load = app_setcallerid_load,
};
