/*
 * OneGrid ThingsBoard topics for Mosquitto 2.x (plugin interface v5).
 *
 * ThingsBoard devices publish to `v1/devices/me/telemetry` with their access token as the MQTT
 * username; gateways publish to `v1/gateway/telemetry`. A subscriber cannot see who published, so
 * this plugin puts the username into the topic as the message enters the broker:
 *
 *   v1/devices/me/<rest>  ->  v1/devices/<username>/<rest>
 *   v1/gateway/<rest>     ->  v1/gateway/<username>/<rest>
 *
 * and refuses a message that names another device's token (`v1/devices/<other>/...`,
 * `v1/gateway/<other>/...`) or comes without a usable username. OneGrid subscribes to
 * `v1/devices/+/…` and `v1/gateway/+/…` and checks the token against its device registry.
 *
 * Build: make -C deploy/mosquitto   (needs Debian's mosquitto-dev and libmosquitto-dev)
 * Load:  plugin /path/to/onegrid_tb_topics.so   in mosquitto.conf (see onegrid.conf)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mosquitto.h>
#include <mosquitto_broker.h>
#include <mosquitto_plugin.h>

static mosquitto_plugin_id_t *plugin_id = NULL;

/* A token is one topic level: no separators or wildcards, not empty, not "me". */
static int usable_username(const char *u)
{
  if (u == NULL || u[0] == '\0' || strcmp(u, "me") == 0) return 0;
  return strpbrk(u, "/+#") == NULL;
}

/* Replaces ed->topic with prefix + username + "/" + rest. The broker frees the old topic. */
static int rewrite(struct mosquitto_evt_message *ed, const char *prefix, const char *username, const char *rest)
{
  size_t len = strlen(prefix) + strlen(username) + 1 + strlen(rest) + 1;
  char *topic = mosquitto_malloc(len);
  if (topic == NULL) return MOSQ_ERR_NOMEM;
  snprintf(topic, len, "%s%s/%s", prefix, username, rest);
  ed->topic = topic;
  return MOSQ_ERR_SUCCESS;
}

/* The level after `prefix` in `topic`, and the rest after it; 0 when there is no next level. */
static int split_level(const char *topic, const char *prefix, const char **level, size_t *level_len, const char **rest)
{
  size_t n = strlen(prefix);
  if (strncmp(topic, prefix, n) != 0) return 0;
  *level = topic + n;
  const char *slash = strchr(*level, '/');
  if (slash == NULL) return 0;
  *level_len = (size_t)(slash - *level);
  *rest = slash + 1;
  return 1;
}

static int on_message(int event, void *event_data, void *userdata)
{
  (void)event;
  (void)userdata;
  struct mosquitto_evt_message *ed = event_data;
  const char *username = mosquitto_client_username(ed->client);
  const char *level, *rest;
  size_t level_len;

  if (split_level(ed->topic, "v1/devices/", &level, &level_len, &rest)) {
    if (!usable_username(username)) return MOSQ_ERR_ACL_DENIED;
    if (level_len == 2 && strncmp(level, "me", 2) == 0) return rewrite(ed, "v1/devices/", username, rest);
    /* the token form is allowed for the device's own token only */
    if (level_len == strlen(username) && strncmp(level, username, level_len) == 0) return MOSQ_ERR_SUCCESS;
    return MOSQ_ERR_ACL_DENIED;
  }
  if (strncmp(ed->topic, "v1/gateway/", 11) == 0) {
    if (!usable_username(username)) return MOSQ_ERR_ACL_DENIED;
    rest = ed->topic + 11;
    /* already stamped with this gateway's own token? */
    size_t ulen = strlen(username);
    if (strncmp(rest, username, ulen) == 0 && rest[ulen] == '/') return MOSQ_ERR_SUCCESS;
    if (strchr(rest, '/') != NULL) return MOSQ_ERR_ACL_DENIED;
    return rewrite(ed, "v1/gateway/", username, rest);
  }
  return MOSQ_ERR_SUCCESS;
}

int mosquitto_plugin_version(int supported_version_count, const int *supported_versions)
{
  for (int i = 0; i < supported_version_count; i++) {
    if (supported_versions[i] == 5) return 5;
  }
  return -1;
}

int mosquitto_plugin_init(mosquitto_plugin_id_t *identifier, void **user_data, struct mosquitto_opt *opts, int opt_count)
{
  (void)user_data;
  (void)opts;
  (void)opt_count;
  plugin_id = identifier;
  return mosquitto_callback_register(plugin_id, MOSQ_EVT_MESSAGE, on_message, NULL, NULL);
}

int mosquitto_plugin_cleanup(void *user_data, struct mosquitto_opt *opts, int opt_count)
{
  (void)user_data;
  (void)opts;
  (void)opt_count;
  return mosquitto_callback_unregister(plugin_id, MOSQ_EVT_MESSAGE, on_message, NULL);
}
