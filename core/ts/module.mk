# core/ts: MPEG-TS remuxer, fMP4 demux, MP4 box helpers.
obj-$(CONFIG_TS) += core/ts/psi.o core/ts/pes.o core/ts/h26x.o core/ts/fmp4.o core/ts/mp4box.o \
	core/ts/remux.o
