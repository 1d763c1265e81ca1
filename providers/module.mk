# providers/: registry and the parts every provider shares (scanner, M3U, catalogue cache).
obj-y += providers/registry.o providers/jscan.o providers/m3u.o providers/catalog.o \
	providers/catalog_build.o providers/putil.o providers/fetch.o providers/decode.o \
	providers/prov_common.o
