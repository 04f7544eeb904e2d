//! Audio and video through ffprobe/ffmpeg child processes.
