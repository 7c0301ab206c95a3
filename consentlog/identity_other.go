//go:build !unix

package consentlog

import "os"

// fileID is empty where the platform has no inode numbers: only a removed
// file is detected there.
type fileID struct{}

func identity(os.FileInfo) fileID { return fileID{} }

func statIdentity(path string) (fileID, error) {
	_, err := os.Stat(path)
	return fileID{}, err
}
