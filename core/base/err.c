/* The one table mapping error codes to the protocol's error_id and a sentence. */
#include <errno.h>
#include <string.h>

#include "core/base/err.h"

struct err_row {
	int code;
	const char *id;
	const char *text;
};

static const struct err_row err_table[] = {
	{ERR_FAILURE, "failure", "The operation failed."},
	{ERR_BAD_REQUEST, "bad_request", "The request is malformed."},
	{ERR_UNKNOWN_COMMAND, "unknown_command", "The command is not known."},
	{ERR_UNKNOWN_PROVIDER, "unknown_provider", "The provider is not known."},
	{ERR_TIMEOUT, "timeout", "The server did not answer in time."},
	{ERR_FORBIDDEN, "forbidden", "Access to the stream was refused."},
	{ERR_NOT_FOUND, "not_found", "The stream or item was not found."},
	{ERR_DRM, "drm_protected", "The content is DRM protected."},
	{ERR_DISK_FULL, "disk_full", "The recording disk is full."},
	{ERR_PATH_DENIED, "path_denied", "The path is outside the allowed directories."},
	{ERR_TLS, "failure", "The secure connection could not be established."},
	{ERR_DNS, "failure", "The host name could not be resolved."},
	{ERR_CONNECT, "failure", "The server could not be reached."},
	{ERR_PROTOCOL, "failure", "The server sent malformed data."},
	{ERR_HTTP, "failure", "The server answered with an error."},
	{ERR_CANCELLED, "failure", "The operation was cancelled."},
	{ERR_TOO_LARGE, "failure", "The data is larger than allowed."},
	{ERR_LIMIT, "failure", "A configured limit was exceeded."},
	{ERR_PARSE, "failure", "The data could not be parsed."},
	{ERR_UNSUPPORTED, "failure", "The stream uses a format that is not supported."},
	{ERR_EOF, "failure", "The connection closed early."},
};

static const struct err_row *err_row(int rc)
{
	int code = rc < 0 ? -rc : rc;

	switch (code) {
	case ENOSPC:
	case EDQUOT:
	case EFBIG:
		code = ERR_DISK_FULL;
		break;
	case ETIMEDOUT:
		code = ERR_TIMEOUT;
		break;
	case ECANCELED:
		code = ERR_CANCELLED;
		break;
	case ECONNREFUSED:
	case EHOSTUNREACH:
	case ENETUNREACH:
		code = ERR_CONNECT;
		break;
	default:
		break;
	}
	for (size_t i = 0; i < sizeof(err_table) / sizeof(err_table[0]); i++)
		if (err_table[i].code == code)
			return &err_table[i];
	return &err_table[0];
}

const char *err_id(int rc)
{
	return err_row(rc)->id;
}

const char *err_str(int rc)
{
	int code = rc < 0 ? -rc : rc;

	if (code > 0 && code < ERR_FAILURE && code != ENOSPC && code != EDQUOT &&
	    code != ETIMEDOUT && code != ECANCELED)
		return strerror(code);
	return err_row(rc)->text;
}
