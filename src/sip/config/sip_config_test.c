/*
 * Unit tests for the SIP endpoint model (src/sip/config/): realistic
 * pjsip.conf and sip.conf texts are parsed and the model is checked field
 * by field (templates, friend/peer/user, dynamic and static hosts,
 * register => lines, codec order, NAT mapping, identify by address,
 * digest user lookup, md5 credentials, transports from both files, the
 * wizard), then the error and warning cases with their lines (missing or
 * mistyped references, names in both files, unknown options, bad values).
 * The sip.conf excerpts quoted in the seed documents must parse too.
 * Every test checks that no zv_obj leaked.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <zvonok/config.h>
#include <zvonok/obj.h>

#include <zvonok/rtp.h>

#include "sip/config/sip_config.h"

static long live_before;

static int setup(void **state)
{
	live_before = zv_obj_live();
	return 0;
}

static int teardown(void **state)
{
	assert_int_equal(zv_obj_live(), live_before);
	return 0;
}

static const struct zv_conf_opts no_inc = {.no_includes = true};

static struct zv_conf *parse(const char *name, const char *text)
{
	struct zv_diag d;
	struct zv_conf *conf = NULL;
	zv_diag_init(&d);
	if (!text)
		return NULL;
	int err = zv_conf_parse_buffer(name, text, strlen(text), &no_inc, &d,
				       &conf);
	for (size_t i = 0; i < d.n; i++) {
		char buf[512];
		zv_diag_format(&d.v[i], buf, sizeof(buf));
		print_message("parse: %s\n", buf);
	}
	assert_int_equal(err, 0);
	zv_diag_clear(&d);
	return conf;
}

/* Build from the two texts (either NULL); returns the build's result. */
static int build(const char *pjsip, const char *sipconf, struct zv_diag *d,
		 struct sip_config **cfgp)
{
	struct zv_conf *pj = parse("pjsip.conf", pjsip);
	struct zv_conf *sc = parse("sip.conf", sipconf);
	*cfgp = NULL;
	zv_diag_init(d);
	int err = sip_config_build(pj, sc, d, cfgp);
	zv_unref(pj);
	zv_unref(sc);
	return err;
}

static void dump_diag(const struct zv_diag *d)
{
	for (size_t i = 0; i < d->n; i++) {
		char buf[512];
		zv_diag_format(&d->v[i], buf, sizeof(buf));
		print_message("  %s\n", buf);
	}
}

/* Is there an entry of that severity, file and line containing text? */
static bool has_diag(const struct zv_diag *d, enum zv_diag_sev sev,
		     const char *file, unsigned line, const char *text)
{
	for (size_t i = 0; i < d->n; i++) {
		const struct zv_diag_entry *e = &d->v[i];
		if (e->sev == sev && e->line == line &&
		    (!file || (e->file && !strcmp(e->file, file))) &&
		    strstr(e->msg, text))
			return true;
	}
	dump_diag(d);
	return false;
}

static void assert_clean_build(const char *pjsip, const char *sipconf,
			       struct sip_config **cfgp)
{
	struct zv_diag d;
	int err = build(pjsip, sipconf, &d, cfgp);
	if (err || d.n)
		dump_diag(&d);
	assert_int_equal(err, 0);
	assert_int_equal(d.n, 0);
	zv_diag_clear(&d);
}

static struct sockaddr_storage sa(const char *ip, unsigned port)
{
	struct sockaddr_storage ss;
	memset(&ss, 0, sizeof(ss));
	struct sockaddr_in *in = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;
	if (inet_pton(AF_INET, ip, &in->sin_addr) == 1) {
		in->sin_family = AF_INET;
		in->sin_port = htons((uint16_t)port);
	} else {
		assert_int_equal(inet_pton(AF_INET6, ip, &in6->sin6_addr), 1);
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((uint16_t)port);
	}
	return ss;
}

static const struct sip_endpoint *by_ip(const struct sip_config *cfg,
					const char *ip, unsigned port)
{
	struct sockaddr_storage ss = sa(ip, port);
	return sip_config_endpoint_by_ip(cfg, (const struct sockaddr *)&ss);
}

static void assert_codecs(const struct sip_endpoint *ep, const char *want)
{
	char buf[256] = "";
	for (size_t i = 0; i < ep->ncodecs; i++) {
		if (i)
			strcat(buf, ",");
		strcat(buf, ep->codecs[i]->name);
	}
	assert_string_equal(buf, want);
}

/* ---- pjsip.conf ---------------------------------------------------------- */

static const char pjsip_text[] =
	"[global]\n"				    /* 1 */
	"type=global\n"				    /* 2 */
	"user_agent=Office PBX\n"		    /* 3 */
	"default_realm=pbx.example.com\n"	    /* 4 */
	"endpoint_identifier_order=ip,username\n"   /* 5 */
	"max_forwards=30\n"			    /* 6 */
	"keep_alive_interval=20\n"		    /* 7 */
	"ban_threshold=3\n"			    /* 8 */
	"ban_time=3600\n"			    /* 9 */
	"\n"					    /* 10 */
	"[transport-udp]\n"			    /* 11 */
	"type=transport\n"			    /* 12 */
	"protocol=udp\n"			    /* 13 */
	"bind=0.0.0.0:5070\n"			    /* 14 */
	"external_media_address=203.0.113.5\n"	    /* 15 */
	"external_signaling_address=203.0.113.5\n"  /* 16 */
	"local_net=192.168.0.0/16\n"		    /* 17 */
	"local_net=10.0.0.0/255.0.0.0\n"	    /* 18 */
	"\n"					    /* 19 */
	"[transport-tls]\n"			    /* 20 */
	"type=transport\n"			    /* 21 */
	"protocol=tls\n"			    /* 22 */
	"bind=[::]\n"				    /* 23 */
	"cert_file=/etc/zvonok/keys/pbx.crt\n"	    /* 24 */
	"priv_key_file=/etc/zvonok/keys/pbx.key\n"  /* 25 */
	"method=tlsv1_2\n"			    /* 26 */
	"verify_client=no\n"			    /* 27 */
	"verify_server=yes\n"			    /* 28 */
	"\n"					    /* 29 */
	"[phone](!)\n"				    /* 30 */
	"type=endpoint\n"			    /* 31 */
	"context=office\n"			    /* 32 */
	"disallow=all\n"			    /* 33 */
	"allow=ulaw,alaw\n"			    /* 34 */
	"allow=g722\n"				    /* 35 */
	"direct_media=no\n"			    /* 36 */
	"rtp_symmetric=yes\n"			    /* 37 */
	"rewrite_contact=yes\n"			    /* 38 */
	"dtmf_mode=rfc4733\n"			    /* 39 */
	"transport=transport-udp\n"		    /* 40 */
	"\n"					    /* 41 */
	"[100](phone)\n"			    /* 42 */
	"callerid=\"Alice Novak\" <100>\n"	    /* 43 */
	"auth=100\n"				    /* 44 */
	"aors=100\n"				    /* 45 */
	"mailboxes=100@default\n"		    /* 46 */
	"disallow=alaw\n"			    /* 47 */
	"allow=opus\n"				    /* 48 */
	"language=cs\n"				    /* 49 */
	"set_var=CHANNEL(hangup_handler_push)=hh,s,1\n" /* 50 */
	"set_var=DEPT = sales\n"		    /* 51 */
	"device_state_busy_at=2\n"		    /* 52 */
	"timers=required\n"			    /* 53 */
	"100rel=no\n"				    /* 54 */
	"media_encryption=sdes\n"		    /* 55 */
	"trust_id_inbound=yes\n"		    /* 56 */
	"send_pai=yes\n"			    /* 57 */
	"accountcode=acme\n"			    /* 58 */
	"\n"					    /* 59 */
	"[100]\n"				    /* 60 */
	"type=auth\n"				    /* 61 */
	"auth_type=userpass\n"			    /* 62 */
	"username=100\n"			    /* 63 */
	"password=s3cret\n"			    /* 64 */
	"\n"					    /* 65 */
	"[100]\n"				    /* 66 */
	"type=aor\n"				    /* 67 */
	"max_contacts=2\n"			    /* 68 */
	"remove_existing=yes\n"			    /* 69 */
	"qualify_frequency=30\n"		    /* 70 */
	"qualify_timeout=1.5\n"			    /* 71 */
	"maximum_expiration=600\n"		    /* 72 */
	"\n"					    /* 73 */
	"[trunk]\n"				    /* 74 */
	"type=endpoint\n"			    /* 75 */
	"context=from-trunk\n"			    /* 76 */
	"disallow=all\n"			    /* 77 */
	"allow=alaw\n"				    /* 78 */
	"outbound_auth=trunk-auth\n"		    /* 79 */
	"aors=trunk\n"				    /* 80 */
	"from_user=420123456\n"			    /* 81 */
	"from_domain=sip.provider.cz\n"		    /* 82 */
	"identify_by=ip\n"			    /* 83 */
	"\n"					    /* 84 */
	"[trunk-auth]\n"			    /* 85 */
	"type=auth\n"				    /* 86 */
	"auth_type=md5\n"			    /* 87 */
	"username=420123456\n"			    /* 88 */
	"realm=sip.provider.cz\n"		    /* 89 */
	"md5_cred=0123456789ABCDEF0123456789abcdef\n" /* 90 */
	"\n"					    /* 91 */
	"[trunk]\n"				    /* 92 */
	"type=aor\n"				    /* 93 */
	"contact=sip:sip.provider.cz:5060\n"	    /* 94 */
	"qualify_frequency=60\n"		    /* 95 */
	"\n"					    /* 96 */
	"[trunk-identify]\n"			    /* 97 */
	"type=identify\n"			    /* 98 */
	"endpoint=trunk\n"			    /* 99 */
	"match=198.51.100.0/24\n"		    /* 100 */
	"match=203.0.113.77,sip.provider.cz\n"	    /* 101 */
	"match=2001:db8::/32\n"			    /* 102 */
	"\n"					    /* 103 */
	"[trunk-reg]\n"				    /* 104 */
	"type=registration\n"			    /* 105 */
	"server_uri=sip:sip.provider.cz\n"	    /* 106 */
	"client_uri=sip:420123456@sip.provider.cz\n" /* 107 */
	"contact_user=420123456\n"		    /* 108 */
	"outbound_auth=trunk-auth\n"		    /* 109 */
	"retry_interval=30\n"			    /* 110 */
	"expiration=300\n"			    /* 111 */
	"transport=transport-udp\n"		    /* 112 */
	"line=yes\n"				    /* 113 */
	"endpoint=trunk\n"			    /* 114 */
	"\n"					    /* 115 */
	"[system]\n"				    /* 116 */
	"type=system\n"				    /* 117 */
	"timer_t1=500\n";			    /* 118 */

static void test_pjsip_full(void **state)
{
	struct sip_config *cfg;
	assert_clean_build(pjsip_text, NULL, &cfg);

	const struct sip_global *g = sip_config_global(cfg);
	assert_string_equal(g->user_agent, "Office PBX");
	assert_string_equal(g->default_realm, "pbx.example.com");
	assert_string_equal(g->endpoint_identifier_order, "ip,username");
	assert_int_equal(g->max_forwards, 30);
	assert_int_equal(g->keep_alive_interval, 20);
	assert_int_equal(g->ban_threshold, 3);
	assert_int_equal(g->ban_window, 60);
	assert_int_equal(g->ban_time, 3600);
	assert_int_equal(g->unauth_rate_limit, 50);

	assert_int_equal(sip_config_endpoint_count(cfg), 2);
	const struct sip_endpoint *ep = sip_config_endpoint_find(cfg, "100");
	assert_non_null(ep);
	assert_ptr_equal(ep, sip_config_endpoint_at(cfg, 0));
	assert_int_equal(ep->def.kind, SIP_CONF_PJSIP);
	assert_string_equal(ep->def.file, "pjsip.conf");
	assert_int_equal(ep->def.line, 42);
	assert_string_equal(ep->context, "office");
	assert_string_equal(ep->callerid_name, "Alice Novak");
	assert_string_equal(ep->callerid_number, "100");
	assert_codecs(ep, "ulaw,g722,opus");
	assert_false(ep->direct_media);
	assert_true(ep->rtp_symmetric);
	assert_true(ep->rewrite_contact);
	assert_true(ep->force_rport);
	assert_int_equal(ep->dtmf_mode, SIP_DTMF_RFC4733);
	assert_string_equal(ep->transport, "transport-udp");
	assert_int_equal(ep->nmailboxes, 1);
	assert_string_equal(ep->mailboxes[0], "100@default");
	assert_string_equal(ep->language, "cs");
	assert_int_equal(ep->nset_vars, 2);
	assert_string_equal(ep->set_vars[0].name, "CHANNEL(hangup_handler_push)");
	assert_string_equal(ep->set_vars[0].value, "hh,s,1");
	assert_string_equal(ep->set_vars[1].name, "DEPT");
	assert_string_equal(ep->set_vars[1].value, "sales");
	assert_int_equal(ep->device_state_busy_at, 2);
	assert_int_equal(ep->timers, SIP_FEATURE_REQUIRED);
	assert_int_equal(ep->rel100, SIP_FEATURE_NO);
	assert_int_equal(ep->media_encryption, SIP_MEDIA_ENC_SDES);
	assert_true(ep->trust_id_inbound);
	assert_true(ep->send_pai);
	assert_string_equal(ep->accountcode, "acme");
	assert_int_equal(ep->identify_by,
			 SIP_IDENTIFY_USERNAME | SIP_IDENTIFY_IP);
	assert_true(ep->allow_subscribe);
	assert_int_equal(ep->peer_type, SIP_PEER_NONE);
	/* raw variables, including the template's */
	assert_string_equal(sip_def_get(&ep->def, "allow"), "opus");
	assert_string_equal(sip_def_get(&ep->def, "context"), "office");

	assert_int_equal(ep->nauths, 1);
	const struct sip_auth *auth = ep->auths[0];
	assert_ptr_equal(auth, sip_config_auth_find(cfg, "100"));
	assert_int_equal(auth->type, SIP_AUTH_USERPASS);
	assert_string_equal(auth->username, "100");
	assert_string_equal(auth->password, "s3cret");
	assert_null(auth->realm);
	assert_int_equal(ep->naors, 1);
	const struct sip_aor *aor = ep->aors[0];
	assert_ptr_equal(aor, sip_config_aor_find(cfg, "100"));
	assert_int_equal(aor->max_contacts, 2);
	assert_true(aor->remove_existing);
	assert_int_equal(aor->qualify_frequency, 30);
	assert_int_equal(aor->qualify_timeout_ms, 1500);
	assert_int_equal(aor->minimum_expiration, 60);
	assert_int_equal(aor->maximum_expiration, 600);
	assert_int_equal(aor->default_expiration, 3600);
	assert_int_equal(aor->ncontacts, 0);

	const struct sip_endpoint *trunk = sip_config_endpoint_find(cfg, "TRUNK");
	assert_non_null(trunk);
	assert_codecs(trunk, "alaw");
	assert_int_equal(trunk->nauths, 0);
	assert_int_equal(trunk->noutbound_auths, 1);
	const struct sip_auth *ta = trunk->outbound_auths[0];
	assert_int_equal(ta->type, SIP_AUTH_MD5);
	assert_string_equal(ta->md5_cred, "0123456789abcdef0123456789abcdef");
	assert_string_equal(ta->realm, "sip.provider.cz");
	assert_string_equal(trunk->from_user, "420123456");
	assert_string_equal(trunk->from_domain, "sip.provider.cz");
	assert_int_equal(trunk->identify_by, SIP_IDENTIFY_IP);
	assert_int_equal(trunk->aors[0]->ncontacts, 1);
	assert_string_equal(trunk->aors[0]->contacts[0],
			    "sip:sip.provider.cz:5060");

	/* identify */
	assert_int_equal(sip_config_identify_count(cfg), 1);
	const struct sip_identify *id = sip_config_identify_at(cfg, 0);
	assert_ptr_equal(id->endpoint, trunk);
	assert_int_equal(id->nmatches, 4);
	assert_int_equal(id->matches[2].family, AF_UNSPEC);
	assert_string_equal(id->matches[2].host, "sip.provider.cz");
	assert_ptr_equal(by_ip(cfg, "198.51.100.9", 5060), trunk);
	assert_ptr_equal(by_ip(cfg, "203.0.113.77", 1234), trunk);
	assert_ptr_equal(by_ip(cfg, "2001:db8:1::5", 5060), trunk);
	assert_ptr_equal(by_ip(cfg, "::ffff:198.51.100.200", 5060), trunk);
	assert_null(by_ip(cfg, "198.51.101.1", 5060));
	assert_null(by_ip(cfg, "203.0.113.78", 5060));

	/* digest user names */
	const struct sip_auth *found;
	assert_ptr_equal(sip_config_auth_for_user(cfg, "100", &found), ep);
	assert_ptr_equal(found, auth);
	assert_null(sip_config_auth_for_user(cfg, "420123456", &found));
	assert_null(found);
	assert_null(sip_config_auth_for_user(cfg, "nobody", NULL));

	/* transports */
	assert_int_equal(sip_config_transport_count(cfg), 2);
	const struct sip_transport *t = sip_config_transport_find(cfg,
								  "transport-udp");
	assert_non_null(t);
	assert_int_equal(t->proto, SIP_PROTO_UDP);
	assert_int_equal(t->bind.ss_family, AF_INET);
	assert_int_equal(ntohs(((const struct sockaddr_in *)&t->bind)->sin_port),
			 5070);
	assert_string_equal(t->external_media_address, "203.0.113.5");
	assert_string_equal(t->external_signaling_address, "203.0.113.5");
	assert_int_equal(t->nlocal_nets, 2);
	assert_int_equal(t->local_nets[0].prefix, 16);
	assert_int_equal(t->local_nets[1].prefix, 8);
	t = sip_config_transport_find(cfg, "transport-tls");
	assert_int_equal(t->proto, SIP_PROTO_TLS);
	assert_int_equal(t->bind.ss_family, AF_INET6);
	assert_int_equal(
		ntohs(((const struct sockaddr_in6 *)&t->bind)->sin6_port), 5061);
	assert_string_equal(t->cert_file, "/etc/zvonok/keys/pbx.crt");
	assert_string_equal(t->priv_key_file, "/etc/zvonok/keys/pbx.key");
	assert_string_equal(t->method, "tlsv1_2");
	assert_false(t->verify_client);
	assert_true(t->verify_server);
	assert_string_equal(sip_transport_proto_name(t->proto), "tls");

	/* registration */
	assert_int_equal(sip_config_registration_count(cfg), 1);
	const struct sip_registration *r =
		sip_config_registration_find(cfg, "trunk-reg");
	assert_non_null(r);
	assert_string_equal(r->server_uri, "sip:sip.provider.cz");
	assert_string_equal(r->client_uri, "sip:420123456@sip.provider.cz");
	assert_string_equal(r->contact_user, "420123456");
	assert_int_equal(r->noutbound_auths, 1);
	assert_ptr_equal(r->outbound_auths[0], ta);
	assert_int_equal(r->retry_interval, 30);
	assert_int_equal(r->max_retries, 10);
	assert_int_equal(r->expiration, 300);
	assert_string_equal(r->transport, "transport-udp");
	assert_true(r->line);
	assert_string_equal(r->endpoint, "trunk");

	zv_unref(cfg);
}

/* The usual minimal pjsip.conf defaults for an endpoint. */
static void test_pjsip_defaults(void **state)
{
	struct sip_config *cfg;
	assert_clean_build("[200]\ntype=endpoint\n", NULL, &cfg);
	const struct sip_endpoint *ep = sip_config_endpoint_find(cfg, "200");
	assert_string_equal(ep->context, "default");
	assert_int_equal(ep->ncodecs, 0);
	assert_int_equal(ep->dtmf_mode, SIP_DTMF_RFC4733);
	assert_false(ep->direct_media); /* anchored unless asked (calls.md) */
	assert_false(ep->direct_media_update);
	assert_false(ep->direct_media_nonat);
	assert_true(ep->force_rport);
	assert_false(ep->rewrite_contact);
	assert_false(ep->rtp_symmetric);
	assert_int_equal(ep->rel100, SIP_FEATURE_YES);
	assert_int_equal(ep->timers, SIP_FEATURE_YES);
	assert_int_equal(ep->timers_min_se, 90);
	assert_int_equal(ep->timers_sess_expires, 1800);
	assert_false(ep->t38_udptl);
	assert_null(ep->callerid_name);
	assert_null(ep->transport);
	const struct sip_global *g = sip_config_global(cfg);
	assert_string_equal(g->default_realm, "asterisk");
	assert_int_equal(g->max_forwards, 70);
	assert_int_equal(g->ban_threshold, 5);
	assert_int_equal(g->ban_window, 60);
	assert_int_equal(g->ban_time, 600);
	assert_int_equal(g->unauth_rate_limit, 50);
	assert_int_equal(sip_config_transport_count(cfg), 0);
	zv_unref(cfg);

	/* no file at all: an empty model */
	assert_clean_build(NULL, NULL, &cfg);
	assert_int_equal(sip_config_endpoint_count(cfg), 0);
	assert_null(sip_config_endpoint_find(cfg, "x"));
	assert_null(sip_config_endpoint_at(cfg, 0));
	zv_unref(cfg);
}

/* ---- sip.conf ------------------------------------------------------------ */

static const char sipconf_text[] =
	"[general]\n"					/* 1 */
	"context=public\n"				/* 2 */
	"allowguest=no\n"				/* 3 */
	"alwaysauthreject=yes\n"			/* 4 */
	"realm=office.example.cz\n"			/* 5 */
	"useragent=Old PBX\n"				/* 6 */
	"udpbindaddr=0.0.0.0\n"				/* 7 */
	"bindport=5062\n"				/* 8 */
	"tcpenable=yes\n"				/* 9 */
	"tcpbindaddr=0.0.0.0:5063\n"			/* 10 */
	"tlsenable=yes\n"				/* 11 */
	"tlsbindaddr=0.0.0.0\n"				/* 12 */
	"tlscertfile=/etc/asterisk/keys/asterisk.pem\n" /* 13 */
	"tlsprivatekey=/etc/asterisk/keys/asterisk.key\n" /* 14 */
	"externaddr=198.51.100.10:5062\n"		/* 15 */
	"localnet=192.168.1.0/255.255.255.0\n"		/* 16 */
	"localnet=10.0.0.0/8\n"				/* 17 */
	"disallow=all\n"				/* 18 */
	"allow=alaw\n"					/* 19 */
	"allow=ulaw\n"					/* 20 */
	"nat=force_rport,comedia\n"			/* 21 */
	"dtmfmode=rfc2833\n"				/* 22 */
	"qualify=yes\n"					/* 23 */
	"defaultexpiry=300\n"				/* 24 */
	"minexpiry=120\n"				/* 25 */
	"maxexpiry=1800\n"				/* 26 */
	"srvlookup=yes\n"				/* 27 */
	"registertimeout=30\n"				/* 28 */
	"register => 420777123456:heslo@sip.odorik.cz\n" /* 29 */
	"register => tcp://user@example.com:pw:authname@reg.example.com:5080/1000~600\n" /* 30 */
	"\n"						/* 31 */
	"[office-phone](!)\n"				/* 32 */
	"type=friend\n"					/* 33 */
	"host=dynamic\n"				/* 34 */
	"context=office\n"				/* 35 */
	"callcounter=yes\n"				/* 36 */
	"\n"						/* 37 */
	"[201](office-phone)\n"				/* 38 */
	"secret=tajne201\n"				/* 39 */
	"callerid=Petr Dvorak <201>\n"			/* 40 */
	"mailbox=201@office,1201\n"			/* 41 */
	"call-limit=2\n"				/* 42 */
	"language=cs\n"					/* 43 */
	"setvar=GROUP=sales\n"				/* 44 */
	"\n"						/* 45 */
	"[202](office-phone)\n"				/* 46 */
	"md5secret=0123456789abcdef0123456789ABCDEF\n"	/* 47 */
	"nat=no\n"					/* 48 */
	"allow=g729\n"					/* 49 */
	"dtmfmode=info\n"				/* 50 */
	"canreinvite=no\n"				/* 51 */
	"transport=tls,udp\n"				/* 52 */
	"encryption=yes\n"				/* 53 */
	"\n"						/* 54 */
	"[gw]\n"					/* 55 */
	"type=peer\n"					/* 56 */
	"host=192.0.2.50\n"				/* 57 */
	"port=5080\n"					/* 58 */
	"insecure=port,invite\n"			/* 59 */
	"context=from-gw\n"				/* 60 */
	"qualify=500\n"					/* 61 */
	"directmedia=nonat\n"				/* 62 */
	"\n"						/* 63 */
	"[provider]\n"					/* 64 */
	"type=peer\n"					/* 65 */
	"host=sip.provider.example\n"			/* 66 */
	"defaultuser=acct77\n"				/* 67 */
	"secret=pw77\n"					/* 68 */
	"fromuser=acct77\n"				/* 69 */
	"fromdomain=provider.example\n"			/* 70 */
	"insecure=invite\n"				/* 71 */
	"nat=yes\n"					/* 72 */
	"qualify=no\n"					/* 73 */
	"\n"						/* 74 */
	"[doorphone]\n"					/* 75 */
	"type=user\n"					/* 76 */
	"secret=door\n"					/* 77 */
	"context=door\n"				/* 78 */
	"sendrpid=pai\n"				/* 79 */
	"trustrpid=yes\n"				/* 80 */
	"session-timers=refuse\n"			/* 81 */
	"allowsubscribe=no\n"				/* 82 */
	"subscribecontext=blf\n"			/* 83 */
	"regexten=299\n"				/* 84 */
	"accountcode=door\n"				/* 85 */
	"t38pt_udptl=yes,redundancy\n";			/* 86 */

static void test_sipconf_full(void **state)
{
	struct sip_config *cfg;
	assert_clean_build(NULL, sipconf_text, &cfg);

	const struct sip_global *g = sip_config_global(cfg);
	assert_string_equal(g->default_context, "public");
	assert_false(g->allow_guest);
	assert_true(g->always_auth_reject);
	assert_string_equal(g->default_realm, "office.example.cz");
	assert_string_equal(g->user_agent, "Old PBX");
	assert_int_equal(g->default_expiry, 300);
	assert_int_equal(g->min_expiry, 120);
	assert_int_equal(g->max_expiry, 1800);

	/* friend, dynamic, from a template */
	assert_int_equal(sip_config_endpoint_count(cfg), 5);
	const struct sip_endpoint *e201 = sip_config_endpoint_find(cfg, "201");
	assert_non_null(e201);
	assert_int_equal(e201->def.kind, SIP_CONF_SIP);
	assert_string_equal(e201->def.file, "sip.conf");
	assert_int_equal(e201->def.line, 38);
	assert_int_equal(e201->peer_type, SIP_PEER_FRIEND);
	assert_true(e201->dynamic);
	assert_string_equal(e201->host, "dynamic");
	assert_string_equal(e201->context, "office");
	assert_string_equal(e201->callerid_name, "Petr Dvorak");
	assert_string_equal(e201->callerid_number, "201");
	assert_codecs(e201, "alaw,ulaw");
	assert_true(e201->force_rport);
	assert_true(e201->rewrite_contact);
	assert_true(e201->rtp_symmetric);
	assert_int_equal(e201->dtmf_mode, SIP_DTMF_RFC4733);
	assert_int_equal(e201->nmailboxes, 2);
	assert_string_equal(e201->mailboxes[0], "201@office");
	assert_string_equal(e201->mailboxes[1], "1201@default");
	assert_int_equal(e201->device_state_busy_at, 2);
	assert_string_equal(e201->language, "cs");
	assert_int_equal(e201->nset_vars, 1);
	assert_string_equal(e201->set_vars[0].name, "GROUP");
	assert_string_equal(e201->set_vars[0].value, "sales");
	assert_int_equal(e201->identify_by,
			 SIP_IDENTIFY_IP | SIP_IDENTIFY_USERNAME);
	assert_int_equal(e201->rel100, SIP_FEATURE_NO);
	assert_int_equal(e201->nauths, 1);
	assert_string_equal(e201->auths[0]->username, "201");
	assert_string_equal(e201->auths[0]->password, "tajne201");
	assert_int_equal(e201->noutbound_auths, 1);
	assert_ptr_equal(e201->outbound_auths[0], e201->auths[0]);
	assert_int_equal(e201->naors, 1);
	const struct sip_aor *aor = e201->aors[0];
	assert_ptr_equal(aor, sip_config_aor_find(cfg, "201"));
	assert_int_equal(aor->max_contacts, 1);
	assert_true(aor->remove_existing);
	assert_int_equal(aor->ncontacts, 0);
	assert_int_equal(aor->qualify_frequency, 60);
	assert_int_equal(aor->qualify_timeout_ms, 2000);
	assert_int_equal(aor->default_expiration, 300);
	assert_int_equal(aor->minimum_expiration, 120);
	assert_int_equal(aor->maximum_expiration, 1800);
	assert_int_equal(aor->nmailboxes, 2);

	/* md5secret, nat=no, transport list, encryption */
	const struct sip_endpoint *e202 = sip_config_endpoint_find(cfg, "202");
	assert_codecs(e202, "alaw,ulaw,g729");
	assert_false(e202->force_rport);
	assert_false(e202->rewrite_contact);
	assert_false(e202->rtp_symmetric);
	assert_int_equal(e202->dtmf_mode, SIP_DTMF_INFO);
	assert_false(e202->direct_media);
	assert_string_equal(e202->transport, "sip-tls");
	assert_int_equal(e202->media_encryption, SIP_MEDIA_ENC_SDES);
	assert_int_equal(e202->nauths, 1);
	assert_int_equal(e202->auths[0]->type, SIP_AUTH_MD5);
	assert_string_equal(e202->auths[0]->md5_cred,
			    "0123456789abcdef0123456789abcdef");
	assert_null(e202->auths[0]->password);
	assert_int_equal(e202->noutbound_auths, 0);

	/* static peer by IP, insecure=port: any source port */
	const struct sip_endpoint *gw = sip_config_endpoint_find(cfg, "gw");
	assert_int_equal(gw->peer_type, SIP_PEER_PEER);
	assert_false(gw->dynamic);
	assert_true(gw->insecure_port);
	assert_true(gw->insecure_invite);
	assert_true(gw->direct_media); /* directmedia=nonat */
	assert_true(gw->direct_media_nonat);
	assert_false(gw->direct_media_update);
	assert_int_equal(gw->nauths, 0);
	assert_string_equal(gw->context, "from-gw");
	assert_int_equal(gw->aors[0]->max_contacts, 0);
	assert_int_equal(gw->aors[0]->ncontacts, 1);
	assert_string_equal(gw->aors[0]->contacts[0], "sip:192.0.2.50:5080");
	assert_int_equal(gw->aors[0]->qualify_timeout_ms, 500);
	assert_int_equal(gw->aors[0]->qualify_frequency, 60);
	assert_ptr_equal(by_ip(cfg, "192.0.2.50", 5080), gw);
	assert_ptr_equal(by_ip(cfg, "192.0.2.50", 40000), gw);
	assert_null(by_ip(cfg, "192.0.2.51", 5080));

	/* static peer by host name: stored, not resolved */
	const struct sip_endpoint *prov = sip_config_endpoint_find(cfg,
								   "provider");
	assert_false(prov->insecure_port);
	assert_true(prov->insecure_invite);
	assert_true(prov->force_rport && prov->rewrite_contact &&
		    prov->rtp_symmetric);
	assert_string_equal(prov->from_user, "acct77");
	assert_string_equal(prov->from_domain, "provider.example");
	assert_int_equal(prov->aors[0]->qualify_frequency, 0);
	assert_string_equal(prov->aors[0]->contacts[0],
			    "sip:acct77@sip.provider.example");
	assert_int_equal(prov->noutbound_auths, 1);
	assert_string_equal(prov->outbound_auths[0]->username, "acct77");
	assert_string_equal(prov->outbound_auths[0]->password, "pw77");
	bool found_host = false;
	for (size_t i = 0; i < sip_config_identify_count(cfg); i++) {
		const struct sip_identify *id = sip_config_identify_at(cfg, i);
		if (id->endpoint == prov) {
			assert_int_equal(id->matches[0].family, AF_UNSPEC);
			assert_string_equal(id->matches[0].host,
					    "sip.provider.example");
			assert_int_equal(id->matches[0].port, 5060);
			found_host = true;
		}
	}
	assert_true(found_host);

	/* type=user: inbound only */
	const struct sip_endpoint *door = sip_config_endpoint_find(cfg,
								   "doorphone");
	assert_int_equal(door->peer_type, SIP_PEER_USER);
	assert_int_equal(door->naors, 0);
	assert_null(sip_config_aor_find(cfg, "doorphone"));
	assert_int_equal(door->identify_by, SIP_IDENTIFY_USERNAME);
	assert_true(door->send_pai);
	assert_false(door->send_rpid);
	assert_true(door->trust_id_inbound);
	assert_int_equal(door->timers, SIP_FEATURE_NO);
	assert_false(door->allow_subscribe);
	assert_string_equal(door->subscribe_context, "blf");
	assert_string_equal(door->regexten, "299");
	assert_string_equal(door->accountcode, "door");
	assert_true(door->t38_udptl);

	/* digest user names: section name, and defaultuser */
	const struct sip_auth *a;
	assert_ptr_equal(sip_config_auth_for_user(cfg, "201", &a), e201);
	assert_string_equal(a->password, "tajne201");
	assert_ptr_equal(sip_config_auth_for_user(cfg, "doorphone", &a), door);
	assert_ptr_equal(sip_config_auth_for_user(cfg, "provider", &a), prov);
	assert_ptr_equal(sip_config_auth_for_user(cfg, "acct77", &a), prov);
	assert_null(sip_config_auth_for_user(cfg, "gw", &a));

	/* transports */
	assert_int_equal(sip_config_transport_count(cfg), 3);
	const struct sip_transport *t = sip_config_transport_find(cfg, "sip-udp");
	assert_int_equal(t->def.kind, SIP_CONF_SIP);
	assert_int_equal(t->def.line, 7);
	assert_int_equal(ntohs(((const struct sockaddr_in *)&t->bind)->sin_port),
			 5062);
	assert_string_equal(t->external_signaling_address, "198.51.100.10");
	assert_int_equal(t->external_signaling_port, 5062);
	assert_int_equal(t->nlocal_nets, 2);
	assert_int_equal(t->local_nets[0].prefix, 24);
	t = sip_config_transport_find(cfg, "sip-tcp");
	assert_int_equal(t->proto, SIP_PROTO_TCP);
	assert_int_equal(ntohs(((const struct sockaddr_in *)&t->bind)->sin_port),
			 5063);
	t = sip_config_transport_find(cfg, "sip-tls");
	assert_int_equal(t->proto, SIP_PROTO_TLS);
	assert_int_equal(ntohs(((const struct sockaddr_in *)&t->bind)->sin_port),
			 5061);
	assert_string_equal(t->cert_file, "/etc/asterisk/keys/asterisk.pem");
	assert_string_equal(t->priv_key_file, "/etc/asterisk/keys/asterisk.key");

	/* register => lines */
	assert_int_equal(sip_config_registration_count(cfg), 2);
	const struct sip_registration *r = sip_config_registration_at(cfg, 0);
	assert_string_equal(r->def.name, "420777123456@sip.odorik.cz");
	assert_int_equal(r->def.line, 29);
	assert_string_equal(r->server_uri, "sip:sip.odorik.cz");
	assert_string_equal(r->client_uri, "sip:420777123456@sip.odorik.cz");
	assert_string_equal(r->contact_user, "s");
	assert_int_equal(r->expiration, 300);
	assert_int_equal(r->retry_interval, 30);
	assert_int_equal(r->noutbound_auths, 1);
	assert_string_equal(r->outbound_auths[0]->username, "420777123456");
	assert_string_equal(r->outbound_auths[0]->password, "heslo");
	assert_string_equal(r->transport, "sip-udp");
	r = sip_config_registration_at(cfg, 1);
	assert_string_equal(r->server_uri,
			    "sip:reg.example.com:5080;transport=tcp");
	assert_string_equal(r->client_uri, "sip:user@example.com");
	assert_string_equal(r->contact_user, "1000");
	assert_int_equal(r->expiration, 600);
	assert_int_equal(r->proto, SIP_PROTO_TCP);
	assert_string_equal(r->transport, "sip-tcp");
	assert_string_equal(r->outbound_auths[0]->username, "authname");
	assert_string_equal(r->outbound_auths[0]->password, "pw");

	zv_unref(cfg);
}

/* chan_sip's built-in peer defaults, without [general]. */
static void test_sipconf_defaults(void **state)
{
	struct sip_config *cfg;
	assert_clean_build(NULL, "[300]\ntype=friend\nhost=dynamic\n", &cfg);
	const struct sip_endpoint *ep = sip_config_endpoint_find(cfg, "300");
	assert_string_equal(ep->context, "default");
	assert_codecs(ep, "ulaw,alaw,gsm");
	assert_true(ep->force_rport);
	assert_false(ep->rewrite_contact);
	assert_false(ep->rtp_symmetric);
	assert_int_equal(ep->nauths, 0);
	assert_int_equal(ep->aors[0]->qualify_frequency, 0);
	assert_int_equal(sip_config_transport_count(cfg), 1);
	const struct sip_transport *t = sip_config_transport_at(cfg, 0);
	assert_string_equal(t->def.name, "sip-udp");
	assert_int_equal(ntohs(((const struct sockaddr_in *)&t->bind)->sin_port),
			 5060);
	zv_unref(cfg);
}

/* chan_sip's [general] jitter buffer options: defaults, values, errors. */
static void test_sipconf_jitterbuffer(void **state)
{
	struct sip_config *cfg;
	assert_clean_build(NULL, "[300]\ntype=friend\nhost=dynamic\n", &cfg);
	const struct sip_global *g = sip_config_global(cfg);
	assert_false(g->jb_enable);
	assert_false(g->jb_force);
	assert_false(g->jb_adaptive);
	assert_int_equal(g->jb_max_ms, 200);
	assert_int_equal(g->jb_resync_ms, 1000);
	assert_int_equal(g->jb_extra_ms, 40);
	zv_unref(cfg);
	assert_clean_build(NULL,
			   "[general]\njbenable=yes\njbforce=yes\njbimpl=adaptive\n"
			   "jbmaxsize=120\njbresyncthreshold=500\njbtargetextra=20\njblog=no\n",
			   &cfg);
	g = sip_config_global(cfg);
	assert_true(g->jb_enable);
	assert_true(g->jb_force);
	assert_true(g->jb_adaptive);
	assert_int_equal(g->jb_max_ms, 120);
	assert_int_equal(g->jb_resync_ms, 500);
	assert_int_equal(g->jb_extra_ms, 20);
	zv_unref(cfg);
	struct zv_diag d;
	assert_int_equal(build(NULL,
			       "[general]\n"		/* 1 */
			       "jbimpl=speex\n"		/* 2 */
			       "jbmaxsize=big\n"	/* 3 */
			       "jbforce=sometimes\n",	/* 4 */
			       &d, &cfg),
			 -EINVAL);
	assert_null(cfg);
	assert_true(has_diag(&d, ZV_DIAG_ERROR, "sip.conf", 2, "jbimpl=speex"));
	assert_true(has_diag(&d, ZV_DIAG_ERROR, "sip.conf", 3, "jbmaxsize=big"));
	assert_true(has_diag(&d, ZV_DIAG_ERROR, "sip.conf", 4, "jbforce"));
	zv_diag_clear(&d);
}

struct register_case {
	const char *line;
	const char *name;
	const char *server_uri;
	const char *client_uri;
	const char *contact_user;
	const char *auth_user; /* NULL: no auth */
	const char *password;
	unsigned expiration;
};

static const struct register_case register_cases[] = {
	{"user@host", "user@host", "sip:host", "sip:user@host", "s", NULL, NULL,
	 120},
	{"user:pw@host", "user@host", "sip:host", "sip:user@host", "s", "user",
	 "pw", 120},
	{"user:pw:auth@host", "user@host", "sip:host", "sip:user@host", "s",
	 "auth", "pw", 120},
	{"user:pw@host:5070", "user@host:5070", "sip:host:5070",
	 "sip:user@host:5070", "s", "user", "pw", 120},
	{"user:pw@host/1234", "user@host", "sip:host", "sip:user@host", "1234",
	 "user", "pw", 120},
	{"user:pw@host:5070/1234~3600", "user@host:5070", "sip:host:5070",
	 "sip:user@host:5070", "1234", "user", "pw", 3600},
	{"user@dom.cz:pw:auth@proxy.cz/55", "user@proxy.cz", "sip:proxy.cz",
	 "sip:user@dom.cz", "55", "auth", "pw", 120},
	{"tls://user:pw@host", "user@host", "sip:host;transport=tls",
	 "sip:user@host", "s", "user", "pw", 120},
	{"mypeer?user:pw@host", "user@host", "sip:host", "sip:user@host", "s",
	 "user", "pw", 120},
	{"udp://user:pw@192.0.2.1~90", "user@192.0.2.1", "sip:192.0.2.1",
	 "sip:user@192.0.2.1", "s", "user", "pw", 90},
};

static void test_register_lines(void **state)
{
	for (size_t i = 0; i < sizeof(register_cases) / sizeof(register_cases[0]);
	     i++) {
		const struct register_case *c = &register_cases[i];
		char text[256];
		snprintf(text, sizeof(text),
			 "[general]\ntcpenable=yes\ntlsenable=yes\n"
			 "tlscertfile=/k.pem\nregister => %s\n",
			 c->line);
		print_message("register => %s\n", c->line);
		struct sip_config *cfg;
		assert_clean_build(NULL, text, &cfg);
		assert_int_equal(sip_config_registration_count(cfg), 1);
		const struct sip_registration *r =
			sip_config_registration_at(cfg, 0);
		assert_string_equal(r->def.name, c->name);
		assert_ptr_equal(sip_config_registration_find(cfg, c->name), r);
		assert_string_equal(r->server_uri, c->server_uri);
		assert_string_equal(r->client_uri, c->client_uri);
		assert_string_equal(r->contact_user, c->contact_user);
		assert_int_equal(r->expiration, c->expiration);
		assert_int_equal(r->retry_interval, 20);
		if (c->auth_user) {
			assert_int_equal(r->noutbound_auths, 1);
			assert_string_equal(r->outbound_auths[0]->username,
					    c->auth_user);
			assert_string_equal(r->outbound_auths[0]->password,
					    c->password);
		} else {
			assert_int_equal(r->noutbound_auths, 0);
		}
		zv_unref(cfg);
	}

	static const char *const bad[] = {"justtext", "user:pw@", "@host",
					  "sctp://u@h", "u@h:99999", "u@h~x"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char text[128];
		snprintf(text, sizeof(text), "[general]\nregister => %s\n",
			 bad[i]);
		struct zv_diag d;
		struct sip_config *cfg;
		print_message("bad register => %s\n", bad[i]);
		assert_int_equal(build(NULL, text, &d, &cfg), -EINVAL);
		assert_null(cfg);
		assert_true(has_diag(&d, ZV_DIAG_ERROR, "sip.conf", 2,
				     "register =>"));
		zv_diag_clear(&d);
	}
}

struct codec_case {
	const char *lines;
	const char *want;
};

static void test_codec_order(void **state)
{
	static const struct codec_case cases[] = {
		{"disallow=all\nallow=ulaw,alaw\n", "ulaw,alaw"},
		{"allow=alaw\nallow=ulaw\n", "alaw,ulaw"},
		{"allow=ulaw,alaw,g722\ndisallow=alaw\n", "ulaw,g722"},
		{"allow=all\ndisallow=opus\n",
		 "ulaw,alaw,gsm,g722,g729,slin,slin16,slin48"},
		{"allow=g722\nallow=ulaw\nallow=g722\n", "g722,ulaw"},
		{"allow=pcmu:20,PCMA\n", "ulaw,alaw"},
		{"allow=ulaw\ndisallow=all\nallow=gsm\n", "gsm"},
		{"allow=ulaw&alaw\n", "ulaw,alaw"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char text[256];
		snprintf(text, sizeof(text), "[e]\ntype=endpoint\n%s",
			 cases[i].lines);
		struct sip_config *cfg;
		assert_clean_build(text, NULL, &cfg);
		assert_codecs(sip_config_endpoint_find(cfg, "e"), cases[i].want);
		zv_unref(cfg);
	}

	/* unknown and unsupported codecs warn with the line; not fatal */
	struct zv_diag d;
	struct sip_config *cfg;
	assert_int_equal(build("[e]\ntype=endpoint\nallow=ulaw\n"
			       "allow=foo,alaw\nallow=h264\n"
			       "allow=telephone-event\n",
			       NULL, &d, &cfg),
			 0);
	assert_true(has_diag(&d, ZV_DIAG_WARNING, "pjsip.conf", 4,
			     "unknown codec 'foo'"));
	assert_true(has_diag(&d, ZV_DIAG_WARNING, "pjsip.conf", 5,
			     "'h264' is not supported"));
	assert_true(has_diag(&d, ZV_DIAG_WARNING, "pjsip.conf", 6,
			     "unknown codec 'telephone-event'"));
	assert_int_equal(d.errors, 0);
	assert_codecs(sip_config_endpoint_find(cfg, "e"), "ulaw,alaw");
	zv_diag_clear(&d);
	zv_unref(cfg);

	/* sip.conf: [general] codecs are the peers' starting list */
	assert_clean_build(NULL,
			   "[general]\ndisallow=all\nallow=g722\n"
			   "[p]\ntype=friend\nhost=dynamic\nallow=alaw\n"
			   "[q]\ntype=friend\nhost=dynamic\ndisallow=all\n"
			   "allow=gsm\n",
			   &cfg);
	assert_codecs(sip_config_endpoint_find(cfg, "p"), "g722,alaw");
	assert_codecs(sip_config_endpoint_find(cfg, "q"), "gsm");
	zv_unref(cfg);
}

static void test_codec_table(void **state)
{
	const struct sip_codec *c = sip_codec_from_name("PCMU");
	assert_non_null(c);
	assert_string_equal(c->name, "ulaw");
	assert_int_equal(c->payload_type, 0);
	assert_int_equal(c->clock_rate, 8000);
	c = sip_codec_from_name("alaw");
	assert_int_equal(c->payload_type, 8);
	c = sip_codec_from_name("gsm");
	assert_int_equal(c->payload_type, 3);
	c = sip_codec_from_name("g722");
	assert_int_equal(c->payload_type, 9);
	assert_int_equal(c->clock_rate, 8000);
	assert_int_equal(c->sample_rate, 16000);
	c = sip_codec_from_name("g729");
	assert_int_equal(c->payload_type, 18);
	c = sip_codec_from_name("opus");
	assert_int_equal(c->payload_type, -1);
	assert_int_equal(c->clock_rate, 48000);
	assert_int_equal(c->channels, 2);
	assert_int_equal(sip_codec_from_name("slin16")->clock_rate, 16000);
	assert_int_equal(sip_codec_from_name("slin48")->clock_rate, 48000);
	assert_int_equal(sip_codec_from_name("slin")->clock_rate, 8000);
	assert_null(sip_codec_from_name("telephone-event"));
	assert_null(sip_codec_from_name("h264"));
	assert_null(sip_codec_from_name(NULL));
}

struct nat_case {
	const char *nat;
	bool force_rport, rewrite_contact, rtp_symmetric;
};

static void test_nat_mapping(void **state)
{
	static const struct nat_case cases[] = {
		{"no", false, false, false},
		{"never", false, false, false},
		{"yes", true, true, true},
		{"force_rport", true, true, false},
		{"comedia", false, false, true},
		{"force_rport,comedia", true, true, true},
		{"auto_force_rport", true, true, false},
		{"auto_comedia", false, false, true},
		{"auto_force_rport,auto_comedia", true, true, true},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char text[256];
		snprintf(text, sizeof(text),
			 "[general]\nnat=yes\n[p]\ntype=friend\nhost=dynamic\n"
			 "nat=%s\n",
			 cases[i].nat);
		struct sip_config *cfg;
		assert_clean_build(NULL, text, &cfg);
		const struct sip_endpoint *ep = sip_config_endpoint_find(cfg,
									  "p");
		print_message("nat=%s\n", cases[i].nat);
		assert_int_equal(ep->force_rport, cases[i].force_rport);
		assert_int_equal(ep->rewrite_contact, cases[i].rewrite_contact);
		assert_int_equal(ep->rtp_symmetric, cases[i].rtp_symmetric);
		zv_unref(cfg);
	}
	struct zv_diag d;
	struct sip_config *cfg;
	assert_int_equal(build(NULL, "[p]\ntype=friend\nhost=dynamic\n"
				     "nat=sometimes\n",
			       &d, &cfg),
			 -EINVAL);
	assert_true(has_diag(&d, ZV_DIAG_ERROR, "sip.conf", 4, "nat="));
	zv_diag_clear(&d);
}

/* Caller ID presentation and trust_id_outbound: pjsip callerid_privacy,
 * sip.conf callingpres (names or numbers), sip.conf trust_id_outbound
 * (legacy, its default, counts as yes; [general] gives the default), and a
 * bad value is an error at its line. */
static void test_callerid_privacy(void **state)
{
	struct sip_config *cfg;
	assert_clean_build("[a]\ntype=endpoint\ncallerid_privacy=prohib_passed_screen\n"
			   "[b]\ntype=endpoint\n",
			   "[general]\ntrust_id_outbound=no\n"
			   "[p]\ntype=friend\nhost=dynamic\ncallingpres=32\n"
			   "[q]\ntype=friend\nhost=dynamic\ntrust_id_outbound=legacy\n"
			   "callingpres=unavailable\n",
			   &cfg);
	const struct sip_endpoint *a = sip_config_endpoint_find(cfg, "a");
	const struct sip_endpoint *b = sip_config_endpoint_find(cfg, "b");
	const struct sip_endpoint *p = sip_config_endpoint_find(cfg, "p");
	const struct sip_endpoint *q = sip_config_endpoint_find(cfg, "q");
	assert_int_equal(a->callerid_pres, 0x21);
	assert_int_equal(b->callerid_pres, 0);
	assert_false(a->trust_id_outbound); /* pjsip's default */
	assert_int_equal(p->callerid_pres, 0x20);
	assert_false(p->trust_id_outbound); /* from [general] */
	assert_int_equal(q->callerid_pres, 0x43);
	assert_true(q->trust_id_outbound);
	zv_unref(cfg);
	assert_clean_build(NULL, "[p]\ntype=friend\nhost=dynamic\n", &cfg);
	assert_true(sip_config_endpoint_find(cfg, "p")->trust_id_outbound);
	zv_unref(cfg);

	struct zv_diag d;
	assert_int_equal(build("[a]\ntype=endpoint\ncallerid_privacy=hidden\n",
			       "[p]\ntype=friend\nhost=dynamic\ncallingpres=prohibited\n"
			       "trust_id_outbound=maybe\n",
			       &d, &cfg),
			 -EINVAL);
	assert_true(has_diag(&d, ZV_DIAG_ERROR, "pjsip.conf", 3, "callerid_privacy=hidden"));
	assert_true(has_diag(&d, ZV_DIAG_ERROR, "sip.conf", 4, "callingpres=prohibited"));
	assert_true(has_diag(&d, ZV_DIAG_ERROR, "sip.conf", 5, "trust_id_outbound=maybe"));
	zv_diag_clear(&d);
}

static void test_identify_lookup(void **state)
{
	struct sip_config *cfg;
	assert_clean_build(
		"[a]\ntype=endpoint\n[b]\ntype=endpoint\n[c]\ntype=endpoint\n"
		"[id-a]\ntype=identify\nendpoint=a\nmatch=10.0.0.0/8\n"
		"[id-b]\ntype=identify\nendpoint=b\nmatch=10.1.0.0/16\n"
		"match=[2001:db8::1]:5070\n"
		"[id-c]\ntype=identify\nendpoint=c\nmatch=10.1.2.3:5080\n"
		"match=10.1.2.3\n",
		NULL, &cfg);
	const struct sip_endpoint *a = sip_config_endpoint_find(cfg, "a");
	const struct sip_endpoint *b = sip_config_endpoint_find(cfg, "b");
	const struct sip_endpoint *c = sip_config_endpoint_find(cfg, "c");
	assert_ptr_equal(by_ip(cfg, "10.9.9.9", 5060), a);
	assert_ptr_equal(by_ip(cfg, "10.1.9.9", 5060), b); /* longer prefix */
	assert_ptr_equal(by_ip(cfg, "10.1.2.3", 5060), c);
	assert_ptr_equal(by_ip(cfg, "10.1.2.3", 5080), c);
	assert_ptr_equal(by_ip(cfg, "2001:db8::1", 5070), b);
	assert_null(by_ip(cfg, "2001:db8::1", 5060));
	assert_null(by_ip(cfg, "11.0.0.1", 5060));
	assert_null(sip_config_endpoint_by_ip(cfg, NULL));
	zv_unref(cfg);

	/* bad matches are errors with the line */
	struct zv_diag d;
	assert_int_equal(build("[a]\ntype=endpoint\n"
			       "[id]\ntype=identify\nendpoint=a\n"
			       "match=10.0.0.0/33\nmatch=1.2.3.4/255.0.255.0\n"
			       "match=bad host!\n",
			       NULL, &d, &cfg),
			 -EINVAL);
	assert_true(has_diag(&d, ZV_DIAG_ERROR, "pjsip.conf", 6, "10.0.0.0/33"));
	assert_true(has_diag(&d, ZV_DIAG_ERROR, "pjsip.conf", 7, "255.0.255.0"));
	assert_true(has_diag(&d, ZV_DIAG_ERROR, "pjsip.conf", 8, "bad host!"));
	zv_diag_clear(&d);
}

static void test_auth_lookup_and_md5(void **state)
{
	struct sip_config *cfg;
	assert_clean_build(
		"[301]\ntype=endpoint\nauth=301-auth\n"
		"[301-auth]\ntype=auth\nusername=alice\n"
		"md5_cred=5f4dcc3b5aa765d61d8327deb882cf99\nrealm=pbx\n"
		"[302]\ntype=endpoint\nauth=shared\n"
		"[shared]\ntype=auth\nauth_type=userpass\nusername=302\n"
		"password=x\n",
		"[401]\ntype=friend\nhost=dynamic\nsecret=pw\n"
		"defaultuser=bob\n",
		&cfg);
	const struct sip_auth *a;
	const struct sip_endpoint *ep = sip_config_auth_for_user(cfg, "alice", &a);
	assert_non_null(ep);
	assert_string_equal(ep->def.name, "301");
	assert_int_equal(a->type, SIP_AUTH_MD5);
	assert_string_equal(a->md5_cred, "5f4dcc3b5aa765d61d8327deb882cf99");
	assert_string_equal(a->realm, "pbx");
	/* an endpoint named like the user with auth */
	ep = sip_config_auth_for_user(cfg, "301", &a);
	assert_non_null(ep);
	assert_string_equal(a->username, "alice");
	assert_string_equal(sip_config_auth_for_user(cfg, "302", NULL)->def.name,
			    "302");
	assert_string_equal(sip_config_auth_for_user(cfg, "401", NULL)->def.name,
			    "401");
	assert_string_equal(sip_config_auth_for_user(cfg, "bob", &a)->def.name,
			    "401");
	assert_string_equal(a->username, "401");
	assert_null(sip_config_auth_for_user(cfg, "Alice", NULL));
	zv_unref(cfg);

	/* bad md5 credentials */
	struct zv_diag d;
	assert_int_equal(build("[x]\ntype=auth\nauth_type=md5\nmd5_cred=abc\n"
			       "[y]\ntype=auth\nauth_type=md5\n"
			       "[z]\ntype=auth\nauth_type=kerberos\n",
			       "[p]\ntype=friend\nhost=dynamic\n"
			       "md5secret=nothex\n",
			       &d, &cfg),
			 -EINVAL);
	assert_true(has_diag(&d, ZV_DIAG_ERROR, "pjsip.conf", 1, "32 hex"));
	assert_true(has_diag(&d, ZV_DIAG_ERROR, "pjsip.conf", 5, "needs md5_cred"));
	assert_true(has_diag(&d, ZV_DIAG_ERROR, "pjsip.conf", 10, "auth_type"));
	assert_true(has_diag(&d, ZV_DIAG_ERROR, "sip.conf", 1, "md5secret"));
	zv_diag_clear(&d);
}

static void test_missing_references(void **state)
{
	struct zv_diag d;
	struct sip_config *cfg;
	assert_int_equal(build("[100]\n"		 /* 1 */
			       "type=endpoint\n"	 /* 2 */
			       "auth=nosuch\n"		 /* 3 */
			       "aors=100,other\n"	 /* 4 */
			       "outbound_auth=100\n"	 /* 5 */
			       "[100]\n"		 /* 6 */
			       "type=aor\n"		 /* 7 */
			       "[other]\n"		 /* 8 */
			       "type=endpoint\n"	 /* 9 */
			       "[id]\n"			 /* 10 */
			       "type=identify\n"	 /* 11 */
			       "endpoint=ghost\n"	 /* 12 */
			       "match=1.2.3.4\n"	 /* 13 */
			       "[reg]\n"		 /* 14 */
			       "type=registration\n"	 /* 15 */
			       "server_uri=sip:x\n"	 /* 16 */
			       "client_uri=sip:y@x\n"	 /* 17 */
			       "outbound_auth=missing\n", /* 18 */
			       NULL, &d, &cfg),
			 -EINVAL);
	assert_null(cfg);
	assert_true(has_diag(&d, ZV_DIAG_ERROR, "pjsip.conf", 3,
			     "auth=nosuch: no type=auth section"));
	assert_true(has_diag(&d, ZV_DIAG_ERROR, "pjsip.conf", 4,
			     "aors=other names a type=endpoint section "
			     "(pjsip.conf:8)"));
	assert_true(has_diag(&d, ZV_DIAG_ERROR, "pjsip.conf", 5,
			     "outbound_auth=100 names a type=endpoint"));
	assert_true(has_diag(&d, ZV_DIAG_ERROR, "pjsip.conf", 12,
			     "endpoint=ghost"));
	assert_true(has_diag(&d, ZV_DIAG_ERROR, "pjsip.conf", 18,
			     "outbound_auth=missing"));
	assert_int_equal(d.errors, 5);
	zv_diag_clear(&d);

	/* the last auth= line wins, so an earlier bad one does not count */
	assert_int_equal(build("[e]\ntype=endpoint\nauth=bad\nauth=good\n"
			       "[good]\ntype=auth\npassword=p\n",
			       NULL, &d, &cfg),
			 0);
	assert_int_equal(sip_config_endpoint_find(cfg, "e")->nauths, 1);
	zv_diag_clear(&d);
	zv_unref(cfg);
}

static void test_duplicates_across_files(void **state)
{
	struct zv_diag d;
	struct sip_config *cfg;
	assert_int_equal(build("[transport-x]\ntype=transport\n"
			       "[100]\ntype=endpoint\n"
			       "[sip-udp]\ntype=transport\nbind=0.0.0.0:5070\n",
			       "[general]\n"
			       "[100]\ntype=friend\nhost=dynamic\n"
			       "[100]\ntype=peer\nhost=1.2.3.4\n",
			       &d, &cfg),
			 -EINVAL);
	assert_true(has_diag(&d, ZV_DIAG_ERROR, "sip.conf", 2,
			     "endpoint '100' is defined in both pjsip.conf:3 "
			     "and sip.conf:2"));
	assert_true(has_diag(&d, ZV_DIAG_ERROR, "sip.conf", 1,
			     "transport 'sip-udp' from sip.conf is also "
			     "defined at pjsip.conf:5"));
	zv_diag_clear(&d);

	/* duplicates within one pjsip.conf type */
	assert_int_equal(build("[a]\ntype=aor\n[a]\ntype=aor\n", NULL, &d, &cfg),
			 -EINVAL);
	assert_true(has_diag(&d, ZV_DIAG_ERROR, "pjsip.conf", 3,
			     "aor 'a' is defined in both pjsip.conf:1 and "
			     "pjsip.conf:3"));
	zv_diag_clear(&d);

	/* a repeated sip.conf section is ignored with a warning */
	assert_int_equal(build(NULL,
			       "[p]\ntype=friend\nhost=dynamic\ncontext=a\n"
			       "[p]\ntype=friend\nhost=dynamic\ncontext=b\n",
			       &d, &cfg),
			 0);
	assert_true(has_diag(&d, ZV_DIAG_WARNING, "sip.conf", 5,
			     "already defined at sip.conf:1"));
	assert_string_equal(sip_config_endpoint_find(cfg, "p")->context, "a");
	zv_diag_clear(&d);
	zv_unref(cfg);

	/* both files, no collision: pjsip.conf's objects iterate first */
	assert_clean_build("[100]\ntype=endpoint\n",
			   "[200]\ntype=friend\nhost=dynamic\n", &cfg);
	assert_int_equal(sip_config_endpoint_count(cfg), 2);
	assert_int_equal(sip_config_endpoint_at(cfg, 0)->def.kind,
			 SIP_CONF_PJSIP);
	assert_int_equal(sip_config_endpoint_at(cfg, 1)->def.kind, SIP_CONF_SIP);
	zv_unref(cfg);
}

static void test_unknown_options(void **state)
{
	struct zv_diag d;
	struct sip_config *cfg;
	assert_int_equal(build("[e]\n"			  /* 1 */
			       "type=endpoint\n"	  /* 2 */
			       "contxt=typo\n"		  /* 3 */
			       "ice_support=yes\n"	  /* 4: accepted */
			       "[a]\n"			  /* 5 */
			       "type=aor\n"		  /* 6 */
			       "max_contact=1\n"	  /* 7 */
			       "[g]\n"			  /* 8 */
			       "type=global\n"		  /* 9 */
			       "ban_treshold=3\n",	  /* 10 */
			       "[general]\n"		  /* 1 */
			       "bindadr=1.2.3.4\n"	  /* 2 */
			       "rtcachefriends=yes\n"	  /* 3: accepted */
			       "[p]\n"			  /* 4 */
			       "type=friend\n"		  /* 5 */
			       "host=dynamic\n"		  /* 6 */
			       "secrt=x\n",		  /* 7 */
			       &d, &cfg),
			 0);
	assert_true(has_diag(&d, ZV_DIAG_WARNING, "pjsip.conf", 3, "'contxt'"));
	assert_true(has_diag(&d, ZV_DIAG_WARNING, "pjsip.conf", 7,
			     "'max_contact'"));
	assert_true(has_diag(&d, ZV_DIAG_WARNING, "pjsip.conf", 10,
			     "'ban_treshold'"));
	assert_true(has_diag(&d, ZV_DIAG_WARNING, "sip.conf", 2, "'bindadr'"));
	assert_true(has_diag(&d, ZV_DIAG_WARNING, "sip.conf", 7, "'secrt'"));
	assert_int_equal(d.warnings, 5);
	zv_diag_clear(&d);
	zv_unref(cfg);
}

static void test_transport_references(void **state)
{
	struct zv_diag d;
	struct sip_config *cfg;
	assert_int_equal(build("[e]\n"			  /* 1 */
			       "type=endpoint\n"	  /* 2 */
			       "transport=nosuch\n"	  /* 3 */
			       "[r]\n"			  /* 4 */
			       "type=registration\n"	  /* 5 */
			       "server_uri=sip:h\n"	  /* 6 */
			       "client_uri=sip:u@h\n"	  /* 7 */
			       "transport=udp\n",	  /* 8 */
			       "[general]\n"		  /* 1 */
			       "register => tls://u:p@h\n" /* 2 */
			       "[p]\n"			  /* 3 */
			       "type=friend\n"		  /* 4 */
			       "host=dynamic\n"		  /* 5 */
			       "transport=tcp\n",	  /* 6 */
			       &d, &cfg),
			 0);
	assert_true(has_diag(&d, ZV_DIAG_WARNING, "pjsip.conf", 3,
			     "endpoint 'e': transport 'nosuch'"));
	assert_true(has_diag(&d, ZV_DIAG_WARNING, "pjsip.conf", 8,
			     "registration 'r': transport 'udp'"));
	assert_true(has_diag(&d, ZV_DIAG_WARNING, "sip.conf", 2,
			     "transport 'sip-tls'"));
	assert_true(has_diag(&d, ZV_DIAG_WARNING, "sip.conf", 6,
			     "endpoint 'p': transport 'sip-tcp'"));
	assert_int_equal(d.warnings, 4);
	zv_diag_clear(&d);
	zv_unref(cfg);

	assert_int_equal(build("[r]\ntype=registration\nserver_uri=sip:h\n"
			       "client_uri=sip:u@h\nline=yes\nendpoint=ghost\n",
			       NULL, &d, &cfg),
			 -EINVAL);
	assert_true(has_diag(&d, ZV_DIAG_ERROR, "pjsip.conf", 6,
			     "endpoint=ghost"));
	zv_diag_clear(&d);
}

static void test_bad_values(void **state)
{
	struct zv_diag d;
	struct sip_config *cfg;
	assert_int_equal(build("[a]\n"			/* 1 */
			       "type=aor\n"		/* 2 */
			       "max_contacts=lots\n"	/* 3 */
			       "[x]\n"			/* 4 */
			       "type=endpiont\n"	/* 5 */
			       "[t]\n"			/* 6 */
			       "type=transport\n"	/* 7 */
			       "protocol=sctp\n"	/* 8 */
			       "[t2]\n"			/* 9 */
			       "type=transport\n"	/* 10 */
			       "bind=pbx.example.com:5060\n" /* 11 */
			       "[e]\n"			/* 12 */
			       "type=endpoint\n"	/* 13 */
			       "direct_media=maybe\n"	/* 14 */
			       "dtmf_mode=smoke\n"	/* 15 */
			       "identify_by=ip,phase\n" /* 16 */
			       "[notype]\n"		/* 17 */
			       "context=x\n"		/* 18 */
			       "[c]\n"			/* 19 */
			       "type=contact\n"		/* 20 */
			       "[r]\n"			/* 21 */
			       "type=registration\n"	/* 22 */
			       "server_uri=host\n"	/* 23 */
			       "client_uri=sip:u@host\n" /* 24 */
			       "[w]\n"			/* 25 */
			       "type=transport\n"	/* 26 */
			       "local_net=lan\n",	/* 27 */
			       "[general]\n"		/* 1 */
			       "udpbindaddr=300.1.1.1\n" /* 2 */
			       "[p]\n"			/* 3 */
			       "type=phone\n"		/* 4 */
			       "[q]\n"			/* 5 */
			       "type=friend\n"		/* 6 */
			       "host=dynamic\n"		/* 7 */
			       "qualify=often\n"	/* 8 */
			       "call-limit=-1\n"	/* 9 */
			       "dtmfmode=loud\n"	/* 10 */
			       "[s]\n"			/* 11 */
			       "type=peer\n"		/* 12 */
			       "host=10.0.0.0/8\n",	/* 13 */
			       &d, &cfg),
			 -EINVAL);
	assert_null(cfg);
	assert_true(has_diag(&d, ZV_DIAG_ERROR, "pjsip.conf", 3, "max_contacts"));
	assert_true(has_diag(&d, ZV_DIAG_ERROR, "pjsip.conf", 4,
			     "unknown type=endpiont"));
	assert_true(has_diag(&d, ZV_DIAG_ERROR, "pjsip.conf", 8, "protocol=sctp"));
	assert_true(has_diag(&d, ZV_DIAG_ERROR, "pjsip.conf", 11, "bind="));
	assert_true(has_diag(&d, ZV_DIAG_ERROR, "pjsip.conf", 14, "direct_media"));
	assert_true(has_diag(&d, ZV_DIAG_ERROR, "pjsip.conf", 15, "dtmf_mode"));
	assert_true(has_diag(&d, ZV_DIAG_ERROR, "pjsip.conf", 16, "identify_by"));
	assert_true(has_diag(&d, ZV_DIAG_ERROR, "pjsip.conf", 17, "no type="));
	assert_true(has_diag(&d, ZV_DIAG_WARNING, "pjsip.conf", 19,
			     "type=contact is not supported yet"));
	assert_true(has_diag(&d, ZV_DIAG_ERROR, "pjsip.conf", 21, "server_uri"));
	assert_true(has_diag(&d, ZV_DIAG_ERROR, "pjsip.conf", 27, "local_net"));
	assert_true(has_diag(&d, ZV_DIAG_ERROR, "sip.conf", 2, "300.1.1.1"));
	assert_true(has_diag(&d, ZV_DIAG_ERROR, "sip.conf", 4,
			     "unknown type=phone"));
	assert_true(has_diag(&d, ZV_DIAG_ERROR, "sip.conf", 8, "qualify=often"));
	assert_true(has_diag(&d, ZV_DIAG_ERROR, "sip.conf", 9, "call-limit"));
	assert_true(has_diag(&d, ZV_DIAG_ERROR, "sip.conf", 10, "dtmfmode"));
	assert_true(has_diag(&d, ZV_DIAG_ERROR, "sip.conf", 13,
			     "host=10.0.0.0/8"));
	zv_diag_clear(&d);
}

/* DTLS-SRTP options in both spellings, then bad values and files. */
static void test_dtls_options(void **state)
{
	struct sip_config *cfg;
	assert_clean_build("[d1]\n"
			   "type=endpoint\n"
			   "media_encryption=dtls\n"
			   "dtls_auto_generate_cert=yes\n"
			   "dtls_verify=fingerprint\n"
			   "dtls_setup=passive\n"
			   "dtls_fingerprint=SHA-1\n"
			   "dtls_ca_file=/etc/ssl/certs/ca-certificates.crt\n",
			   "[p1]\n"
			   "type=friend\n"
			   "host=dynamic\n"
			   "dtlsenable=yes\n"
			   "dtlsverify=yes\n"
			   "dtlsautogeneratecert=yes\n"
			   "dtlssetup=actpass\n",
			   &cfg);
	const struct sip_endpoint *ep = sip_config_endpoint_find(cfg, "d1");
	assert_int_equal(ep->media_encryption, SIP_MEDIA_ENC_DTLS);
	assert_true(ep->dtls.auto_generate_cert);
	assert_int_equal(ep->dtls.verify, ZV_DTLS_VERIFY_FINGERPRINT);
	assert_int_equal(ep->dtls.setup, SIP_DTLS_PASSIVE);
	assert_true(ep->dtls.sha1);
	assert_string_equal(ep->dtls.ca_file, "/etc/ssl/certs/ca-certificates.crt");
	ep = sip_config_endpoint_find(cfg, "p1");
	assert_int_equal(ep->media_encryption, SIP_MEDIA_ENC_DTLS);
	assert_int_equal(ep->dtls.verify, ZV_DTLS_VERIFY_FINGERPRINT | ZV_DTLS_VERIFY_CERTIFICATE);
	assert_int_equal(ep->dtls.setup, SIP_DTLS_ACTPASS);
	assert_false(ep->dtls.sha1);
	struct zv_dtls_conf dc;
	sip_endpoint_dtls_conf(ep, &dc);
	assert_int_equal(dc.verify, ZV_DTLS_VERIFY_FINGERPRINT | ZV_DTLS_VERIFY_CERTIFICATE);
	zv_unref(cfg);

	/* Without dtls_verify the fingerprint is still checked. */
	assert_clean_build("[u]\n"
		 "type=endpoint\n"
		 "media_encryption=dtls\n"
		 "dtls_auto_generate_cert=yes\n"
		 "[n]\n"
		 "type=endpoint\n"
		 "media_encryption=dtls\n"
		 "dtls_auto_generate_cert=yes\n"
		 "dtls_verify=no\n",
		 "", &cfg);
	sip_endpoint_dtls_conf(sip_config_endpoint_find(cfg, "u"), &dc);
	assert_int_equal(dc.verify, ZV_DTLS_VERIFY_FINGERPRINT);
	sip_endpoint_dtls_conf(sip_config_endpoint_find(cfg, "n"), &dc);
	assert_int_equal(dc.verify, 0);
	zv_unref(cfg);

	struct zv_diag d;
	assert_int_equal(build("[e]\n"				/* 1 */
			       "type=endpoint\n"		/* 2 */
			       "dtls_verify=maybe\n"		/* 3 */
			       "dtls_setup=both\n"		/* 4 */
			       "dtls_fingerprint=MD5\n"	/* 5 */
			       "dtls_rekey=60\n"		/* 6 */
			       "[f]\n"				/* 7 */
			       "type=endpoint\n"		/* 8 */
			       "media_encryption=dtls\n"	/* 9 */
			       "dtls_cert_file=/nonexistent/z.pem\n", /* 10 */
			       NULL, &d, &cfg),
			 -EINVAL);
	assert_true(has_diag(&d, ZV_DIAG_ERROR, "pjsip.conf", 3, "dtls_verify=maybe"));
	assert_true(has_diag(&d, ZV_DIAG_ERROR, "pjsip.conf", 4, "dtls_setup=both"));
	assert_true(has_diag(&d, ZV_DIAG_ERROR, "pjsip.conf", 5, "dtls_fingerprint=MD5"));
	assert_true(has_diag(&d, ZV_DIAG_WARNING, "pjsip.conf", 6, "re-keying"));
	assert_true(has_diag(&d, ZV_DIAG_ERROR, "pjsip.conf", 7, "/nonexistent/z.pem"));
	zv_diag_clear(&d);
}

static void test_wizard(void **state)
{
	struct sip_config *cfg;
	assert_clean_build(
		"[tr-udp]\ntype=transport\nbind=0.0.0.0\n"
		"[my-itsp]\n"
		"type=wizard\n"
		"sends_auth=yes\n"
		"sends_registrations=yes\n"
		"transport=tr-udp\n"
		"remote_hosts=sip.itsp.cz:5060,203.0.113.9\n"
		"outbound_auth/username=777\n"
		"outbound_auth/password=heslo\n"
		"endpoint/context=from-itsp\n"
		"endpoint/allow=!all,alaw\n"
		"aor/qualify_frequency=15\n"
		"registration/expiration=600\n"
		"[phone-500]\n"
		"type=wizard\n"
		"accepts_auth=yes\n"
		"accepts_registrations=yes\n"
		"inbound_auth/password=pw500\n"
		"endpoint/context=office\n"
		"endpoint/allow=ulaw\n",
		NULL, &cfg);
	const struct sip_endpoint *itsp = sip_config_endpoint_find(cfg,
								   "my-itsp");
	assert_non_null(itsp);
	assert_string_equal(itsp->context, "from-itsp");
	assert_string_equal(itsp->transport, "tr-udp");
	assert_codecs(itsp, "alaw");
	assert_int_equal(itsp->naors, 1);
	const struct sip_aor *aor = itsp->aors[0];
	assert_int_equal(aor->ncontacts, 2);
	assert_string_equal(aor->contacts[0], "sip:sip.itsp.cz:5060");
	assert_string_equal(aor->contacts[1], "sip:203.0.113.9");
	assert_int_equal(aor->qualify_frequency, 15);
	assert_int_equal(itsp->noutbound_auths, 1);
	assert_string_equal(itsp->outbound_auths[0]->def.name, "my-itsp-oauth");
	assert_string_equal(itsp->outbound_auths[0]->username, "777");
	assert_int_equal(itsp->nauths, 0);
	assert_ptr_equal(by_ip(cfg, "203.0.113.9", 5060), itsp);
	assert_int_equal(sip_config_registration_count(cfg), 2);
	const struct sip_registration *r =
		sip_config_registration_find(cfg, "my-itsp-reg-0");
	assert_non_null(r);
	assert_string_equal(r->server_uri, "sip:sip.itsp.cz:5060");
	assert_string_equal(r->client_uri, "sip:777@sip.itsp.cz:5060");
	assert_int_equal(r->expiration, 600);
	assert_string_equal(r->transport, "tr-udp");
	assert_ptr_equal(r->outbound_auths[0], itsp->outbound_auths[0]);

	const struct sip_endpoint *ph = sip_config_endpoint_find(cfg, "phone-500");
	assert_int_equal(ph->nauths, 1);
	assert_string_equal(ph->auths[0]->username, "phone-500");
	assert_string_equal(ph->auths[0]->password, "pw500");
	assert_int_equal(ph->aors[0]->max_contacts, 1);
	assert_int_equal(ph->aors[0]->ncontacts, 0);
	assert_ptr_equal(sip_config_auth_for_user(cfg, "phone-500", NULL), ph);
	zv_unref(cfg);

	/* a wizard template for phones */
	assert_clean_build("[user_defaults](!)\n"
			   "type=wizard\n"
			   "accepts_registrations=yes\n"
			   "accepts_auth=yes\n"
			   "has_hint=yes\n"
			   "hint_context=default\n"
			   "endpoint/allow=!all,ulaw,gsm,g722\n"
			   "endpoint/direct_media_method=invite\n"
			   "aor/max_contacts=2\n"
			   "aor/support_path=yes\n"
			   "[1000](user_defaults)\n"
			   "hint_exten=1000\n"
			   "inbound_auth/username=bob\n"
			   "inbound_auth/password=password\n",
			   NULL, &cfg);
	const struct sip_auth *a;
	ph = sip_config_auth_for_user(cfg, "bob", &a);
	assert_non_null(ph);
	assert_string_equal(ph->def.name, "1000");
	assert_string_equal(a->def.name, "1000-iauth");
	assert_string_equal(a->password, "password");
	assert_codecs(ph, "ulaw,gsm,g722");
	assert_int_equal(ph->aors[0]->max_contacts, 2);
	assert_int_equal(sip_config_identify_count(cfg), 0);
	assert_int_equal(sip_config_registration_count(cfg), 0);
	zv_unref(cfg);

	struct zv_diag d;
	assert_int_equal(build("[w]\ntype=wizard\nendpoint/contxt=x\n"
			       "aor/bogus=1\n",
			       NULL, &d, &cfg),
			 0);
	assert_true(has_diag(&d, ZV_DIAG_WARNING, "pjsip.conf", 3,
			     "'endpoint/contxt'"));
	assert_true(has_diag(&d, ZV_DIAG_WARNING, "pjsip.conf", 4, "'aor/bogus'"));
	zv_diag_clear(&d);
	zv_unref(cfg);
}

/*
 * The sip.conf excerpts quoted in /work/shared/seeds/ (a Russian
 * translation of an Asterisk book): out-of-call MESSAGE options in
 * [general], realtime peer caching, and a peer's mailbox=100@shifteight.
 * They must load without errors; the options Zvonok does not act on yet
 * are accepted silently.
 */
static void test_seed_snippets(void **state)
{
	static const char seed_sipconf[] =
		"[general]\n"
		"; Внешние сообщения\n"
		"accept_outofcall_message=yes\n"
		"outofcall_message_context=IncomingMessages\n"
		"auth_message_requests=yes\n"
		"rtcachefriends=yes\n"
		"\n"
		"[100]\n"
		"type=friend\n"
		"host=dynamic\n"
		"mailbox=100@shifteight\n"
		"outofcall_message_context=SomeContext\n";
	struct sip_config *cfg;
	assert_clean_build(NULL, seed_sipconf, &cfg);
	const struct sip_endpoint *ep = sip_config_endpoint_find(cfg, "100");
	assert_non_null(ep);
	assert_string_equal(ep->mailboxes[0], "100@shifteight");
	assert_string_equal(sip_def_get(&ep->def, "outofcall_message_context"),
			    "SomeContext");
	zv_unref(cfg);
}

/* direct_media and its companions (pjsip.conf), directmedia (sip.conf):
 * values, the warning for glare mitigation, errors with file:line. */
static void test_direct_media(void **state)
{
	struct sip_config *cfg;
	struct zv_diag d;
	assert_int_equal(build("[a]\n"					/* 1 */
			       "type=endpoint\n"				/* 2 */
			       "direct_media=yes\n"				/* 3 */
			       "direct_media_method=update\n"			/* 4 */
			       "disable_direct_media_on_nat=yes\n"		/* 5 */
			       "direct_media_glare_mitigation=outgoing\n"	/* 6 */
			       "[b]\n"						/* 7 */
			       "type=endpoint\n"				/* 8 */
			       "direct_media=yes\n"				/* 9 */
			       "direct_media_method=reinvite\n",		/* 10 */
			       "[c]\n"						/* 1 */
			       "type=friend\n"					/* 2 */
			       "host=dynamic\n"				/* 3 */
			       "directmedia=update, nonat\n"			/* 4 */
			       "[d]\n"						/* 5 */
			       "type=friend\n"					/* 6 */
			       "host=dynamic\n"				/* 7 */
			       "directmedia=outgoing\n"			/* 8 */
			       "[e]\n"						/* 9 */
			       "type=friend\n"					/* 10 */
			       "host=dynamic\n"				/* 11 */
			       "canreinvite=yes\n",				/* 12 */
			       &d, &cfg),
			 0);
	assert_true(has_diag(&d, ZV_DIAG_WARNING, "pjsip.conf", 6, "not implemented"));
	assert_true(has_diag(&d, ZV_DIAG_WARNING, "sip.conf", 8, "not implemented"));
	assert_int_equal(d.n, 2);
	zv_diag_clear(&d);
	const struct sip_endpoint *a = sip_config_endpoint_find(cfg, "a");
	assert_true(a->direct_media);
	assert_true(a->direct_media_update);
	assert_true(a->direct_media_nonat);
	assert_int_equal(a->direct_media_glare, SIP_DM_GLARE_OUTGOING);
	const struct sip_endpoint *b = sip_config_endpoint_find(cfg, "b");
	assert_true(b->direct_media);
	assert_false(b->direct_media_update);
	assert_false(b->direct_media_nonat);
	const struct sip_endpoint *c = sip_config_endpoint_find(cfg, "c");
	assert_true(c->direct_media);
	assert_true(c->direct_media_update);
	assert_true(c->direct_media_nonat);
	const struct sip_endpoint *e = sip_config_endpoint_find(cfg, "d");
	assert_true(e->direct_media);
	assert_int_equal(e->direct_media_glare, SIP_DM_GLARE_OUTGOING);
	assert_true(sip_config_endpoint_find(cfg, "e")->direct_media);
	zv_unref(cfg);

	assert_int_equal(build("[a]\n"				/* 1 */
			       "type=endpoint\n"			/* 2 */
			       "direct_media_method=sideways\n"	/* 3 */
			       "disable_direct_media_on_nat=perhaps\n", /* 4 */
			       "[c]\n"					/* 1 */
			       "type=friend\n"				/* 2 */
			       "host=dynamic\n"			/* 3 */
			       "directmedia=nonat,bogus\n",		/* 4 */
			       &d, &cfg),
			 -EINVAL);
	assert_null(cfg);
	assert_true(has_diag(&d, ZV_DIAG_ERROR, "pjsip.conf", 3, "direct_media_method"));
	assert_true(has_diag(&d, ZV_DIAG_ERROR, "pjsip.conf", 4, "disable_direct_media_on_nat"));
	assert_true(has_diag(&d, ZV_DIAG_ERROR, "sip.conf", 4, "directmedia"));
	zv_diag_clear(&d);
}

/* Call and pickup groups: lists and ranges into masks, named groups as
 * written, in both files (templates too); bad items name file:line. */
static void test_groups(void **state)
{
	uint64_t m;
	assert_int_equal(sip_group_parse("1,3-4", &m), 0);
	assert_true(m == ((1ull << 1) | (1ull << 3) | (1ull << 4)));
	assert_int_equal(sip_group_parse("0, 63", &m), 0);
	assert_true(m == (1ull | (1ull << 63)));
	assert_int_equal(sip_group_parse("0-63", &m), 0);
	assert_true(m == ~0ull);
	assert_int_equal(sip_group_parse("", &m), 0);
	assert_true(m == 0);
	assert_int_equal(sip_group_parse(" 2 ,,5 ", &m), 0);
	assert_true(m == ((1ull << 2) | (1ull << 5)));
	/* bad items: the good ones are still set */
	assert_int_equal(sip_group_parse("1,64", &m), -1);
	assert_true(m == (1ull << 1));
	assert_int_equal(sip_group_parse("4-2", &m), -1);
	assert_int_equal(sip_group_parse("x", &m), -1);
	assert_int_equal(sip_group_parse("1-", &m), -1);
	assert_int_equal(sip_group_parse("-3", &m), -1);
	assert_int_equal(sip_group_parse("1;2", &m), -1);
	assert_int_equal(sip_group_parse("3,7 8", &m), -1);
	assert_true(m == (1ull << 3));
	assert_int_equal(sip_group_parse("99999999999999999999999", &m), -1);

	struct sip_config *cfg;
	assert_clean_build("[t](!)\n"
			   "type=endpoint\n"
			   "call_group=1,3-4\n"
			   "pickup_group=1\n"
			   "[200](t)\n"
			   "named_call_group=sales, support\n"
			   "named_pickup_group=sales\n"
			   "[201](t)\n"
			   "pickup_group=\n",
			   "[100]\n"
			   "type=friend\n"
			   "host=dynamic\n"
			   "callgroup=2\n"
			   "pickupgroup=0-2\n"
			   "namedcallgroup=ops\n"
			   "namedpickupgroup=ops,sales\n",
			   &cfg);
	const struct sip_endpoint *ep = sip_config_endpoint_find(cfg, "200");
	assert_non_null(ep);
	assert_true(ep->call_group == 0x1a);
	assert_true(ep->pickup_group == 0x2);
	assert_string_equal(ep->named_call_group, "sales, support");
	assert_string_equal(ep->named_pickup_group, "sales");
	ep = sip_config_endpoint_find(cfg, "201");
	assert_true(ep->call_group == 0x1a);
	assert_true(ep->pickup_group == 0);
	assert_null(ep->named_call_group);
	ep = sip_config_endpoint_find(cfg, "100");
	assert_true(ep->call_group == 0x4);
	assert_true(ep->pickup_group == 0x7);
	assert_string_equal(ep->named_call_group, "ops");
	assert_string_equal(ep->named_pickup_group, "ops,sales");
	zv_unref(cfg);

	struct zv_diag d;
	assert_int_equal(build("[e]\n"			/* 1 */
			       "type=endpoint\n"	/* 2 */
			       "call_group=1,70\n"	/* 3 */
			       "pickup_group=a-b\n",	/* 4 */
			       "[p]\n"			/* 1 */
			       "type=friend\n"		/* 2 */
			       "host=dynamic\n"	/* 3 */
			       "pickupgroup=5-1\n"	/* 4 */
			       "callgroup=1 2\n",	/* 5 */
			       &d, &cfg),
			 -EINVAL);
	assert_null(cfg);
	assert_true(has_diag(&d, ZV_DIAG_ERROR, "pjsip.conf", 3, "call_group=1,70"));
	assert_true(has_diag(&d, ZV_DIAG_ERROR, "pjsip.conf", 4, "pickup_group=a-b"));
	assert_true(has_diag(&d, ZV_DIAG_ERROR, "sip.conf", 4, "pickupgroup=5-1"));
	assert_true(has_diag(&d, ZV_DIAG_ERROR, "sip.conf", 5, "callgroup=1 2"));
	zv_diag_clear(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_pjsip_full, setup, teardown),
		cmocka_unit_test_setup_teardown(test_direct_media, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pjsip_defaults, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_sipconf_full, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_sipconf_defaults, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_sipconf_jitterbuffer, setup, teardown),
		cmocka_unit_test_setup_teardown(test_register_lines, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_codec_order, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_codec_table, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_nat_mapping, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_identify_lookup, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_auth_lookup_and_md5, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_missing_references, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_duplicates_across_files,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_unknown_options, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_transport_references, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_bad_values, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_wizard, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dtls_options, setup, teardown),
		cmocka_unit_test_setup_teardown(test_callerid_privacy, setup, teardown),
		cmocka_unit_test_setup_teardown(test_seed_snippets, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_groups, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
