/* Error codes: functions return 0 or a negative value, either -errno or -enum err. */
#ifndef SS_ERR_H
#define SS_ERR_H

enum err {
	ERR_FAILURE = 1000,   /* generic failure (protocol: failure) */
	ERR_BAD_REQUEST,      /* malformed client request */
	ERR_UNKNOWN_COMMAND,  /* command name not known */
	ERR_UNKNOWN_PROVIDER, /* provider_id not known */
	ERR_TIMEOUT,	      /* a network or job deadline passed */
	ERR_FORBIDDEN,	      /* HTTP 401/403 (after re-resolve) */
	ERR_NOT_FOUND,	      /* HTTP 404/410 or missing item */
	ERR_DRM,	      /* DRM-protected content (protocol: drm_protected) */
	ERR_DISK_FULL,	      /* storage full or quota exceeded */
	ERR_PATH_DENIED,      /* path outside the allowed roots */
	ERR_TLS,	      /* TLS handshake or certificate verification failed */
	ERR_DNS,	      /* host name did not resolve */
	ERR_CONNECT,	      /* TCP connect refused or unreachable */
	ERR_PROTOCOL,	      /* peer spoke malformed HTTP/HLS/TS/MP4 */
	ERR_HTTP,	      /* unexpected HTTP status not covered above */
	ERR_CANCELLED,	      /* stopped through the cancel fd */
	ERR_TOO_LARGE,	      /* input exceeds a configured cap */
	ERR_LIMIT,	      /* a count exceeds a configured cap */
	ERR_PARSE,	      /* syntax error in outside bytes */
	ERR_UNSUPPORTED,      /* valid but not supported here (codec, method) */
	ERR_EOF,	      /* peer closed before the message was complete */
	ERR__END
};

/* Protocol error_id for rc (0 or negative); static string, never NULL. */
const char *err_id(int rc);
/* One human sentence for rc; static string, never NULL. */
const char *err_str(int rc);

#endif
