# net/: URLs, HTTP/1.1 client, cookies, TLS backend (one of two, chosen in Kconfig).
obj-y += net/url.o
