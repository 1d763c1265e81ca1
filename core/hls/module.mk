# core/hls: HLS formats: the m3u8 parser and the variant choice (the HLS recorder is core/rec).
obj-y += core/hls/m3u8.o core/hls/m3u8_master.o core/hls/m3u8_media.o core/hls/variant.o
