/* Provider registry: the providers compiled in (Kconfig), in listing order. */
#include <string.h>

#include "providers/provider.h"

#ifdef CONFIG_PROVIDER_PLUTOTV
extern const struct provider_ops plutotv_ops;
#endif
#ifdef CONFIG_PROVIDER_SAMSUNGTV
extern const struct provider_ops samsungtv_ops;
#endif
#ifdef CONFIG_PROVIDER_IPTV
extern const struct provider_ops iptv_ops;
#endif

static const struct provider_ops *const providers[] = {
#ifdef CONFIG_PROVIDER_PLUTOTV
	&plutotv_ops,
#endif
#ifdef CONFIG_PROVIDER_SAMSUNGTV
	&samsungtv_ops,
#endif
#ifdef CONFIG_PROVIDER_IPTV
	&iptv_ops,
#endif
	NULL, /* keeps the array non-empty when no provider is enabled */
};

const struct provider_ops *provider_find(const char *id)
{
	if (!id)
		return NULL;
	for (size_t i = 0; providers[i]; i++)
		if (strcmp(providers[i]->id, id) == 0)
			return providers[i];
	return NULL;
}

const struct provider_ops *provider_at(int n)
{
	if (n < 0 || (size_t)n >= ARRAY_SIZE(providers) - 1)
		return NULL;
	return providers[n];
}

int provider_config_key(const char *key)
{
	const char *id, *dot;

	if (strncmp(key, "provider.", 9) != 0)
		return 0;
	id = key + 9;
	dot = strchr(id, '.');
	if (!dot)
		return 0;
	for (size_t i = 0; providers[i]; i++) {
		const struct provider_ops *p = providers[i];

		if (strlen(p->id) != (size_t)(dot - id) || strncmp(p->id, id, (size_t)(dot - id)))
			continue;
		for (size_t k = 0; p->config_keys && p->config_keys[k]; k++)
			if (strcmp(p->config_keys[k], dot + 1) == 0)
				return 1;
	}
	return 0;
}
